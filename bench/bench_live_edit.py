"""The live edit as the room sees it: from a click in Chromium to the page's numbers changed
and Streamlit idle again, for a profile edit and a sidebar filter (on the Funnel and the
Sources pages), at 30k and 1M leads.

    python bench/bench_live_edit.py                 # the bundled sample (30,000 leads)
    python bench/bench_live_edit.py --leads 1000000 # the same story at 1M (generated once)

A real ``streamlit run app.py`` on 127.0.0.1 and Debian's Chromium through Playwright.
Each edit is timed from the action that makes it (Enter after typing the range's bound;
the click on an option of an already open list) to (1) the first watched number changing
and (2) the run finishing (no "running" status): the second is "every number on the page
updated".
Every timed click makes a state the session has not seen (a new upper bound of the
profile's employee range; one more source in the filter), so no memo serves it.
Medians over ``--runs`` clicks after one warm-up click each.
"""

from __future__ import annotations

import argparse
import functools
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._data import OUT, big_sample  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = int(os.environ.get("BENCH_TIMEOUT_MS", 600_000))
RUNNING = '[data-testid="stStatusWidget"]'


def _server(env: dict) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("streamlit did not start")


def _idle(page: Page, timeout: float = 600) -> None:
    """Wait until no run is going on for half a second."""
    end = time.perf_counter() + timeout
    quiet_since = None
    while time.perf_counter() < end:
        if page.locator(RUNNING).count() == 0:
            quiet_since = quiet_since or time.perf_counter()
            if time.perf_counter() - quiet_since > 0.5:
                return
        else:
            quiet_since = None
        time.sleep(0.02)
    raise TimeoutError("the page did not become idle")


# The watched number: the value of the first metric in the main area whose label holds the
# given text (the Profile page's "Leads in profile", the funnel's first stage count); a
# label "caption:TEXT" watches the first caption holding TEXT instead (the Sources page,
# without metrics: its filter line "1,775 of 30,000 leads · …").
WATCH = """(label) => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main) return null;
  if (label.startsWith('caption:')) {
    const text = label.slice(8);
    const c = [...main.querySelectorAll('[data-testid="stCaptionContainer"]')]
      .find(e => e.innerText.includes(text));
    return c ? c.innerText : null;
  }
  const m = [...main.querySelectorAll('[data-testid="stMetric"]')]
    .find(e => e.innerText.includes(label));
  const v = m && m.querySelector('[data-testid="stMetricValue"]');
  return v ? v.innerText : null;
}"""


def _watched(page: Page, label: str) -> str | None:
    return page.evaluate(WATCH, label)


def _time_click(page: Page, click, label: str, *, prepare=None) -> tuple[float, float]:
    """Seconds from the click to the watched number changing, and to the run finishing.
    ``prepare`` (not timed) gets the widget ready, e.g. opens a drop-down list."""
    before = _watched(page, label)
    if prepare is not None:
        prepare()
    t0 = time.perf_counter()
    click()
    page.wait_for_function(
        f"([label, old]) => {{ const now = ({WATCH})(label); return now && now !== old; }}",
        arg=[label, before], timeout=TIMEOUT_MS, polling=10)
    t1 = time.perf_counter()
    # the run that changed the number may still be drawing the rest of the page
    page.wait_for_function(f"() => !document.querySelector('{RUNNING}')",
                           timeout=TIMEOUT_MS, polling=10)
    t2 = time.perf_counter()
    _idle(page)
    return t1 - t0, t2 - t0


PROFILE_NUMBER = "Leads in profile"
FUNNEL_NUMBER = "lead"


def profile_edit(page: Page, url: str, runs: int) -> list[tuple[float, float]]:
    """Each click: a new upper bound for the sample profile's employee range (a profile
    the session has not fitted yet, so nothing is served from the memo)."""
    page.goto(f"{url}/profile")
    page.wait_for_function(f"() => ({WATCH})('{PROFILE_NUMBER}') !== null")
    _idle(page)
    upper = page.get_by_label("to", exact=True).first
    out = []
    for i in range(runs + 1):
        def type_bound(value=1_500 + 500 * i):
            upper.fill(str(value))

        # the key itself (the field has the focus): no locator work inside the timing
        out.append(_time_click(page, lambda: page.keyboard.press("Enter"), PROFILE_NUMBER,
                               prepare=type_bound))
    return out[1:]


SOURCES_NUMBER = "caption:leads ·"


def filter_edit(page: Page, url: str, runs: int, *, path: str = "funnel",
                label: str = FUNNEL_NUMBER, title: str = "The funnel"
                ) -> list[tuple[float, float]]:
    """Each click: one more source in the sidebar filter (a view not seen before), on the
    page at ``path`` (whose ``title`` shows it has drawn; ``label`` is its watched number)."""
    page.goto(f"{url}/{path}")
    page.get_by_text(title).first.wait_for(timeout=600_000)
    _idle(page)
    source = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").nth(0)
    page.wait_for_function(f"() => ({WATCH})('{label}') !== null")
    out = []
    spot: dict[str, float] = {}
    for _ in range(runs + 1):
        def open_list(box=source):  # the room sees the list open before the choice
            box.locator("input").click()
            # the first source not yet chosen (Streamlit lists "Select all" first)
            option = page.get_by_role("option").filter(has_not_text="Select all").first
            try:
                option.wait_for(timeout=60_000)
            except PlaywrightTimeout:
                raise SystemExit("every source is already chosen: use fewer --runs") from None
            box_ = option.bounding_box()
            if box_ is None:  # no option left to add (only a "no results" line)
                raise SystemExit("every source is already chosen: use fewer --runs")
            spot.update(x=box_["x"] + box_["width"] / 2, y=box_["y"] + box_["height"] / 2)

        def click():  # a plain mouse click where the option is: no locator work timed
            page.mouse.click(spot["x"], spot["y"])

        out.append(_time_click(page, click, label, prepare=open_list))
        page.keyboard.press("Escape")
    return out[1:]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--leads", type=int, default=30_000)
    ap.add_argument("--runs", type=int, default=6)
    args = ap.parse_args()
    # BENCH_EXTRA_PATH: more entries for the server's PYTHONPATH (e.g. a timing hook)
    extra = os.environ.get("BENCH_EXTRA_PATH")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), extra]))}
    if args.leads != 30_000:
        big_sample(args.leads)  # writes bench/out/... once
        folder = OUT / "big" if args.leads == 1_000_000 else OUT / f"bench_n{args.leads}"
        env["FUNNEL_SAMPLE_DIR"] = str(folder)
    proc, url = _server(env)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(600_000)
            t = time.perf_counter()
            page.goto(url)
            page.get_by_text("Diagnosis").first.wait_for()
            _idle(page)
            print(f"{args.leads:,} leads · first page ready in {time.perf_counter() - t:.1f} s")
            sources = functools.partial(filter_edit, path="sources", label=SOURCES_NUMBER,
                                        title="Sources & cost")
            for name, fn in (("profile edit", profile_edit), ("sidebar filter", filter_edit),
                             ("filter, Sources", sources)):
                times = fn(page, url, args.runs)
                first = statistics.median(a for a, _ in times)
                done = statistics.median(b for _, b in times)
                print(f"{name:<15} click → first number changed: median {first:.2f} s · "
                      f"→ run finished: median {done:.2f} s "
                      f"(max {max(b for _, b in times):.2f} s, {len(times)} clicks)")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
