"""The truth suite's slow grid (run by hand): every world of tests/worlds at 3,000 and
20,000 leads (and the null world at 100,000), 10 seeds each; writes the detection and
false-alarm table into docs/diagnosis.md (between the ``truth-table`` markers).

    python bench/bench_truth.py [--seeds 10] [--no-write]

Detected: the planted place is a problem naming the planted culprit. False alarms: a
world in which any other place raised a problem (for trap worlds, also a protected
culprit named anywhere).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the worlds live with the tests

from worlds import PLANTED, TRAPS, WORLDS, make_world, stated_profile  # noqa: E402

from funnel.findings.registry import diagnose_places  # noqa: E402

DOC = ROOT / "docs" / "diagnosis.md"
START, END = "<!-- truth-table -->", "<!-- /truth-table -->"


def named(card, key: str, value: str) -> bool:
    return any(value in part for part in str(card.culprit.get(key, "")).split(", "))


def run_world(kind: str, n: int, seed: int) -> tuple[bool, bool, list[str]]:
    """(detected, false alarm, places raised wrongly) for one world."""
    expect = WORLDS[kind]
    cards = diagnose_places(make_world(kind, n=n, seed=seed), profile=stated_profile(kind))
    found = False
    if expect.place:
        card = next(c for c in cards if c.place == expect.place)
        found = card.status == "problem" and (
            expect.culprit is None or named(card, *expect.culprit))
    wrong = [c.place for c in cards if c.status == "problem" and c.place != expect.place]
    if expect.forbid:
        wrong += [f"{c.place} (blames {expect.forbid[1]})" for c in cards
                  if c.status == "problem" and named(c, *expect.forbid)]
    return found, bool(wrong), wrong


def grid(seeds: int) -> list[str]:
    rows = ["| world | kind | place | leads | detected | false alarms | wrongly raised |",
            "|---|---|---|---|---|---|---|"]
    plan = [(k, n) for n in (3_000, 20_000) for k in WORLDS] + [("null", 100_000)]
    for kind, n in plan:
        t = time.perf_counter()
        # each world its own seeds: worlds drawn from the same seed share their noise, and
        # one unlucky draw would show in every row
        base = 100 + 1000 * list(WORLDS).index(kind)
        results = [run_world(kind, n, base + s) for s in range(seeds)]
        det = sum(r[0] for r in results)
        fa = sum(r[1] for r in results)
        wrong = sorted({w for r in results for w in r[2]})
        expect = WORLDS[kind]
        what = "planted" if kind in PLANTED else "null" if kind == "null" else "trap"
        shown = f"{det}/{seeds}" if expect.place else "—"
        rows.append(f"| {kind} | {what} | {expect.place or '—'} | {n:,} | {shown} | "
                    f"{fa}/{seeds} | {', '.join(wrong) or '—'} |")
        print(rows[-1], f"({time.perf_counter() - t:.0f}s)", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    assert set(TRAPS) <= set(WORLDS)
    rows = grid(args.seeds)
    if args.no_write:
        return
    text = DOC.read_text()
    block = "\n".join([START, *rows, END])
    if START in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text += "\n" + block + "\n"
    DOC.write_text(text)
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
