"""Billing source verbs: import files, refresh configured sources, list sources and runs, load rates.

    python -m lib import bill.csv [--format auto|focus|aws-cur|azure-export|gcp-billing-export|gcp-focus|
                                           focus-contract-commitment|focus-billing-period|focus-invoice-detail]
    python -m lib import allocation.json [--format opencost|usage] [--cluster NAME]   # usage data
    python -m lib refresh [--source NAME] [--month YYYY-MM]
    python -m lib sources            # configured sources with their last refresh (CSV)
    python -m lib rates load FILE.csv
    python -m lib tags               # tag keys the rules use, and lake partitions not carrying them (CSV)
    python -m lib tags promote       # rewrite those partitions with the promoted tag columns
"""

import sys

from lib.cli import add_verb, fail, month_arg, progress_bar, quiet_flag, write_csv
from lib.config import versions
from lib.core import access
from lib.sources import imports, rates, refresh, runs
from lib.sources.files import DATASET_FORMATS, FORMATS
from lib.sources.usage_files import FORMATS as USAGE_FORMATS


def _problems(problems) -> None:
    for p in problems:
        print(str(p), file=sys.stderr)


def import_cmd(store, args) -> int:
    with progress_bar(args, "import") as progress:
        result = imports.import_paths(store, access.CLI, args.files, args.format, args.cluster, progress)
    for line in result.read_as:
        print(f"read {line}", file=sys.stderr)
    if not result.ok:
        _problems(result.problems)
        fail(f"{len(result.problems)} problem(s) in {', '.join(args.files)}; nothing was imported")
    for name, rows in result.datasets.items():
        print(f"saved {rows} {name} row(s)", file=sys.stderr)
    if result.unchanged is not None:
        print(f"unchanged: {', '.join(result.periods)} already served from exactly this content (run "
              f"{result.unchanged}); nothing was imported", file=sys.stderr)
        return 0
    if result.run_id is not None:
        print(f"imported {result.rows} rows for {', '.join(result.periods)} (run {result.run_id})", file=sys.stderr)
    usage = runs.usage_totals(store, access.CLI, result.run_id)
    if usage:
        write_csv(["period", "metric", "cluster", "keys", "days", "rows"], usage)
    else:
        write_csv(["period", "currency", "billed", "effective"], runs.period_totals(store, access.CLI, result.run_id))
    return 0


def refresh_cmd(store, args) -> int:
    months = [month_arg(args.month)] if args.month else None
    with progress_bar(args, "refresh") as progress:
        results = refresh.refresh(store, access.CLI, [args.source] if args.source else None, months, progress)
    if not results:
        fail("no sources configured: add a sources list to settings.yaml (see settings.example.yaml)")
    rows, failed = [], 0
    for r in results:
        if not r.ok:
            failed += 1
            _problems(r.problems)
        state_ = "FAILED" if not r.ok else "ok" if r.unchanged is None else f"unchanged since run {r.unchanged}"
        print(f"{r.source}: {state_}, {r.rows} rows, {', '.join(r.periods) or '-'}", file=sys.stderr)
        rows += [(r.source, p, cur, billed, eff) for p, cur, billed, eff in runs.period_totals(store, access.CLI, r.run_id)
                 if r.ok]
    write_csv(["source", "period", "currency", "billed", "effective"], rows)
    if failed:
        fail(f"{failed} of {len(results)} source(s) failed; their previous data is still served")
    return 0


def sources_cmd(store, args) -> int:
    sources, errors = refresh.load_sources(store)
    if errors:
        _problems(errors)
        fail("settings.yaml has problems")
    status = {s.source: s for s in runs.freshness(store)}
    write_csv(["name", "provider", "kind", "last_success", "latest_period", "last_outcome"],
              [(s.name, s.provider, s.kind, getattr(status.get(s.name), "last_success", "") or "",
                getattr(status.get(s.name), "latest_period", "") or "",
                getattr(status.get(s.name), "last_outcome", "") or "") for s in sources])
    return 0


def rates_load(store, args) -> int:
    try:
        text = open(args.file, encoding="utf-8").read()
    except OSError as exc:
        fail(f"cannot read {args.file}: {exc.strerror}")
    count, problems = rates.load_rates(store, text, access.CLI, args.file)
    if problems:
        _problems(problems)
        fail(f"{len(problems)} problem(s) in {args.file}; no rates were loaded")
    print(f"loaded {count} rates", file=sys.stderr)
    return 0


def tags_cmd(store, args) -> int:
    print(f"tag keys the rules use: {', '.join(versions.wanted(store)) or '(none)'}", file=sys.stderr)
    write_csv(["source", "billing_account", "period", "missing_keys"], imports.unpromoted(store))
    return 0


def tags_promote(store, args) -> int:
    with progress_bar(args, "tags promote") as progress:
        results = imports.promote_tags(store, access.CLI, progress)
    for r in results:
        if not r.ok:
            _problems(r.problems)
            fail("promoting tag columns failed; the previous lake files are still served")
        print(f"rewrote {r.rows} rows for {', '.join(r.periods)} (run {r.run_id})", file=sys.stderr)
    if not results:
        print("every lake partition already carries the tag keys the rules use", file=sys.stderr)
    return 0


def register(sub) -> None:
    p = add_verb(sub, "import")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--format", default="auto", choices=["auto", *FORMATS, *DATASET_FORMATS, *USAGE_FORMATS])
    p.add_argument("--cluster", default=None, help="the Kubernetes cluster of usage files that name none "
                                                   "(OpenCost's CSV export)")
    p.set_defaults(run=import_cmd)
    p = add_verb(sub, "refresh")
    p.add_argument("--source", default=None)
    p.add_argument("--month", default=None, help="one billing period YYYY-MM")
    p.set_defaults(run=refresh_cmd)
    p = add_verb(sub, "sources")
    p.set_defaults(run=sources_cmd)
    p = add_verb(sub, "rates")
    rs = p.add_subparsers(dest="rates_verb", required=True)
    r = rs.add_parser("load", help="load rates from CSV: date,from,to,rate or month,from,to,rate")
    r.add_argument("file")
    r.set_defaults(run=rates_load)
    p = add_verb(sub, "tags")
    p.set_defaults(run=tags_cmd)
    ts = p.add_subparsers(dest="tags_verb")
    quiet_flag(ts.add_parser("promote", help="rewrite lake partitions that lack a promoted tag column")).set_defaults(
        run=tags_promote)
