"""Browser tests: a real `streamlit run` on 127.0.0.1 and Debian's Chromium via Playwright.

Never downloads a browser: Playwright launches /usr/bin/chromium. Tests here are marked
``browser``; they are skipped (with the reason) where Chromium is not installed.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

# A busy 2-core machine renders slowly: every expect() waits on its condition for up to a
# minute (Playwright's default is 5 s), never on a fixed sleep.
expect.set_options(timeout=60_000)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if not Path(CHROMIUM).exists():
                item.add_marker(pytest.mark.skip(reason=f"{CHROMIUM} is not installed"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(workspaces: Path):
    """A real `streamlit run app.py` on a free port of 127.0.0.1, stopped by its PID."""
    port = _free_port()
    log = open(ROOT / "tests" / "browser" / f".streamlit-{port}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "FUNNEL_WORKSPACES": str(workspaces),
             "FUNNEL_MASK_KEY": "browser-tests"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a busy 2-core machine starts slowly
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:  # not listening yet: wait on the server process between polls
                try:
                    proc.wait(timeout=0.3)  # returns at once if the server has exited
                except subprocess.TimeoutExpired:
                    continue
                raise RuntimeError("streamlit exited before it answered; see "
                                   "tests/browser/.streamlit-*.log") from None
        else:
            raise RuntimeError("streamlit did not start; see tests/browser/.streamlit-*.log")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        Path(log.name).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """The app as a new user would start it, shared by the session's browser tests."""
    with running_app(tmp_path_factory.mktemp("workspaces")) as url:
        yield url


@pytest.fixture
def fresh_app_url(tmp_path):
    """A server nobody has visited yet (its first session behaves differently)."""
    with running_app(tmp_path / "workspaces") as url:
        yield url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium instead of a downloaded browser."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def app_page(page, app_url):
    """A page on the app's home, loaded, with a generous timeout for slow machines."""
    page.set_default_timeout(60_000)
    page.goto(f"{app_url}/data")
    page.get_by_text("Data health").first.wait_for()
    return page
