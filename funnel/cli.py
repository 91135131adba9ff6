"""The ``funnel`` command line: ``funnel diagnose FILE... [--json]`` (roles guessed) or
``funnel diagnose --leads FILE [--deals FILE ...] [--json]``.

Exit status 0 on success; 2 on unusable input, with one plain sentence on stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from funnel.analyses.profile.criteria import load_profile
from funnel.dataset.errors import InputError
from funnel.dataset.format import ci_text, json_safe, share_text
from funnel.dataset.schema import Mapping
from funnel.findings.base import Finding
from funnel.findings.registry import TITLES, diagnose_places
from funnel.findings.summary import STATUS_WORDS, plain_headline, ranked, verdict_summary
from funnel.ingest.build import build_dataset, guess_files, load
from funnel.ingest.readers import read_file
from funnel.ingest.stagelists import read_stage_list, stage_totals
from funnel.outputs.contract import diagnose
from funnel.outputs.workspace import WorkspaceStore


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="funnel", description="Diagnose where a marketing-to-sales funnel leaks."
    )
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("diagnose", help="load CRM exports and report the diagnosis")
    d.add_argument("files", nargs="*", metavar="FILE",
                   help="export files whose roles are guessed as the app does (one line "
                        "each on stderr); --leads/--deals/... name a file's role instead")
    d.add_argument("--leads", action="append", metavar="FILE",
                   help="lead/contact export (CSV, Excel or Parquet); repeat to stack files")
    d.add_argument("--deals", metavar="FILE", help="deal/opportunity export")
    d.add_argument("--activities", metavar="FILE", help="sales activity export")
    d.add_argument("--spend", metavar="FILE", help="marketing spend by source/campaign")
    d.add_argument("--mapping", metavar="FILE", help="*.mapping.json saved from the app")
    d.add_argument("--profile", metavar="FILE",
                   help="*.profile.json: the closable-lead profile (fills 'profile' and is "
                        "the stated profile the findings test; without it none is tested)")
    d.add_argument("--sla-hours", type=float, metavar="H",
                   help="response-time target in hours (fills response.within_sla_share)")
    d.add_argument("--sheet", help="workbook sheet to read (name or 0-based index)")
    d.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    d.add_argument("--cache", metavar="DIR",
                   help="keep the typed export in DIR (Parquet, by the files' content) so "
                        "the same files open again without parsing; the client's data is "
                        "kept there unmasked, on this machine (files named with --leads ...)")
    w = sub.add_parser("workspaces", help="list, rename, delete or purge shared workspaces")
    w.add_argument("action", choices=["list", "rename", "delete", "purge"])
    w.add_argument("id", nargs="?", help="workspace id (rename, delete)")
    w.add_argument("name", nargs="?", help="new name (rename)")
    w.add_argument("--root", help="workspace store (default $FUNNEL_WORKSPACES or ./workspaces)")
    return p


def _workspaces(args) -> int:
    store = WorkspaceStore(args.root)
    if args.action == "list":
        for i in store.list():
            print(f"{i.id}  {i.created_at:%Y-%m-%d %H:%M}  until {i.expires_at:%Y-%m-%d}  "
                  f"{i.leads:>9,} leads  {i.name}")
    elif args.action == "purge":
        print(f"removed {store.purge_expired()} expired workspace(s)")
    elif args.id is None or (args.action == "rename" and not args.name):
        raise InputError(f"workspaces {args.action} needs an id"
                         + (" and a new name." if args.action == "rename" else "."))
    elif args.action == "rename":
        store.rename(args.id, args.name)
    else:
        store.delete(args.id)
    return 0





def _load(args, sheet: str | int | None):
    """The dataset of the command line's files (named roles as given; positional files
    with their roles guessed, each guess said on stderr in one line), and the stage
    totals of a stage-list export (else ``None``)."""
    if not args.files:
        if not args.leads:
            raise InputError("Give the export files (their roles are guessed), or name the "
                             "leads file with --leads FILE.")
        return load(args.leads, deals=args.deals, activities=args.activities,
                    spend=args.spend, mapping=args.mapping, sheet=sheet,
                    cache=args.cache), None
    if args.cache:
        raise InputError("--cache needs the files named by role (--leads FILE, --deals "
                         "FILE, ...): the roles of unnamed files are guessed by reading them.")
    named = [(role, path) for role in ("leads", "deals", "activities", "spend")
             for path in ([] if getattr(args, role) is None else
                          getattr(args, role) if role == "leads" else [getattr(args, role)])]
    guessed = guess_files(args.files, sheet=sheet)
    for g in guessed:
        print(f"funnel: {g.line}", file=sys.stderr)
    specs = [(role, read_file(path, sheet=sheet)) for role, path in named]
    specs += [(g.role, g.table) for g in guessed if g.role is not None]
    mapping = Mapping.load(args.mapping) if args.mapping else None
    label = ", ".join(Path(p).name for p in [*args.files, *(args.leads or [])])
    lists = [read_stage_list(g.table, g.stage) for g in guessed if g.stage]
    return (build_dataset(specs, mapping=mapping, label=label),
            stage_totals(lists) if lists else None)


def _verdict_lines(cards: list[Finding]) -> list[str]:
    """The verdict line, then one line per place (problems first, most severe first)."""
    lines = [f"Verdict: {verdict_summary(cards).text}"]
    title_w = max((len(TITLES[f.place]) for f in cards), default=0)
    status_w = max(len(w) for w in STATUS_WORDS.values())
    for f in ranked(cards):
        headline = " ".join(plain_headline(f).split())  # a name with a line break: one line
        lines.append(f"  {TITLES[f.place]:<{title_w}}  {STATUS_WORDS[f.status]:<{status_w}}  "
                     f"{headline}")
    return lines


def _text_report(out: dict, cards: list[Finding]) -> str:
    rows = out["rows"]
    lines = [*_verdict_lines(cards), "",
        f"Leads {rows['leads']:,}  deals {rows['deals']:,}  activities {rows['activities']:,}  "
        f"rejected rows {rows['rejected']:,}",
    ]
    if out["won"] is not None:
        lines.append(f"Won {out['won']:,} ({out['conversion']:.1%} of leads)")
    lines.append("Funnel (each rate with its 95% interval):")
    for i, s in enumerate(out["funnel"]):
        lines.append(f"  {s['stage']:<12} {s['count']:>9,}" + ("" if i == 0 else (  # all leads
            f"  {s['rate_from_previous']:>6.1%} of previous "
            f"({ci_text(s['ci_low'], s['ci_high'])})  {s['rate_from_first']:>6.1%} of leads "
            f"({ci_text(s['first_ci_low'], s['first_ci_high'])})")))
    lines.append("Sources (win rate with its 95% interval):")
    for s in out["sources"][:15]:
        won = "" if s["won"] is None else (f"{s['won']:>6,} won {s['rate']:>6.1%} "
                                           f"({ci_text(s['ci_low'], s['ci_high'])})")
        lines.append(f"  {str(s['source'])[:28]:<28} {s['leads']:>8,} leads {won}")
    lines.append(f"Profile: {out['profile_in_use']['note']}")
    if out["profile"] is not None:
        p = out["profile"]
        lines.append(f"  {p['in_profile']:,} of {p['leads']:,} leads in profile: "
                     f"{share_text(p['in_profile_share'])} ({ci_text(p['ci_low'], p['ci_high'])})")
    for w in out["warnings"]:
        lines.append(f"{w['level']}: {w['message']}")
    for c in out["capabilities"]:
        if not c["available"]:
            lines.append(f"unavailable: {c['analysis']} ({c['reason']})")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "workspaces":
        try:
            return _workspaces(args)
        except InputError as exc:
            print(f"funnel: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:  # a store that cannot be read or written
            print(f"funnel: the workspace store {args.root or 'folder'} could not be used "
                  f"({exc.strerror or 'not readable'}).", file=sys.stderr)
            return 2
    try:

        sheet = int(args.sheet) if args.sheet and args.sheet.isdigit() else args.sheet
        ds, lists = _load(args, sheet)
        profile = load_profile(args.profile) if args.profile else None
        if args.sla_hours is not None and not (math.isfinite(args.sla_hours)
                                               and args.sla_hours > 0):
            raise InputError("--sla-hours must be a positive number of hours.")
        out = json_safe(diagnose(ds, sla_hours=args.sla_hours, profile=profile,
                                 stage_lists=lists))
        cards = [] if args.json else diagnose_places(ds, profile=profile)
    except InputError as exc:
        print(f"funnel: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("funnel: the files are too large for this machine's memory.", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"funnel: {exc.filename or 'a file'} could not be read ({exc.strerror}).",
              file=sys.stderr)
        return 2
    if args.json:
        json.dump(out, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(_text_report(out, cards))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
