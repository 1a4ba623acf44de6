"""Core verbs: org, rules, allocate, totals, explain."""

import sys
from pathlib import Path

from lib.cli import add_verb, allocated, fail, month_arg, progress_bar, read_file, write_csv
from lib.config import org, versions
from lib.core import access
from lib.reports import explain, spend
from lib.store.lake import engine


def _report(errors: list[str]) -> None:
    for e in errors:
        print(e, file=sys.stderr)
    fail(f"{len(errors)} problem(s); nothing was saved")


def _comment(args) -> str:
    """--comment, or where the version came from; an explicitly empty comment is refused by lib."""
    return f"loaded from {Path(args.file).name}" if args.comment is None else args.comment


def org_load(store, args):
    version, errors = versions.save_org(store, read_file(args.file), access.CLI, _comment(args))
    if errors:
        _report(errors)
    print(f"org version {version} saved", file=sys.stderr)


def org_dump(store, args):
    sys.stdout.write(org.dump_org(versions.current_org(store)))


def rules_load(store, args):
    version, errors = versions.save_rules(store, read_file(args.file), access.CLI, _comment(args),
                                       month_arg(args.effective_from) if args.effective_from else None)
    if errors:
        _report(errors)
    print(f"rules version {version} saved", file=sys.stderr)


def rules_dump(store, args):
    found = [v for v in versions.versions(store) if args.version in (None, v.id)]
    if not found:
        fail("no rules saved yet" if args.version is None else f"no rules version {args.version}")
    sys.stdout.write(found[0].yaml)


def rules_history(store, args):
    write_csv(["version", "created_at", "author", "effective_from", "comment"],
              [(v.id, v.created_at, v.author, v.effective_from or "", v.comment) for v in versions.versions(store)])


def allocate(store, args):
    con = engine(store)
    only = [month_arg(args.month)] if args.month else None
    if args.engine == "spark":  # computes into the same cache; the view below then reads it
        from lib.cli.scale import run_spark  # Spark's client libraries load only when asked for
        run_spark(store, only)
    with progress_bar(args, "allocate") as progress:
        allocated(store, con, only, progress)
    rows = con.execute("select x_BillingPeriod, count(*), sum(charges) from allocated group by 1 order by 1").fetchall()
    write_csv(["period", "rows", "charges"], rows)


def _month(store, args):
    """The connection with the --month period allocated, and the period."""
    period = month_arg(args.month)
    return allocated(store, engine(store), [period]), period


def totals(store, args):
    con, period = _month(store, args)
    rows = spend.totals(con, access.CLI, period, args.by, args.metric)
    if not rows:
        fail(f"no charges in {period}")
    write_csv([args.by, "currency", "amount"], rows)


def explain_team(store, args):
    con, period = _month(store, args)
    rows = explain.by_rule(con, access.CLI, period, args.team, args.metric)
    if not rows:
        fail(f"no spend for team {args.team!r} in {period}")
    write_csv(["rule", "rules_version", "reason", "share", "currency", "amount", "charges", "usage"],
              explain.with_usage(store, con, access.CLI, period, args.team, rows))


def register(sub) -> None:
    p = add_verb(sub, "org")
    verbs = p.add_subparsers(dest="org_verb", required=True)
    v = verbs.add_parser("load", help="validate and save an org.yaml as a new version")
    v.add_argument("file")
    v.add_argument("--comment", default=None, help="why the version changes (default: 'loaded from FILE')")
    v.set_defaults(run=org_load)
    verbs.add_parser("dump", help="print the current org as YAML").set_defaults(run=org_dump)

    p = add_verb(sub, "rules")
    verbs = p.add_subparsers(dest="rules_verb", required=True)
    v = verbs.add_parser("load", help="validate and save rules.yaml as a new version")
    v.add_argument("file")
    v.add_argument("--comment", default=None, help="why the version changes (default: 'loaded from FILE')")
    v.add_argument("--effective-from", default=None, help="first billing period (YYYY-MM) it applies to")
    v.set_defaults(run=rules_load)
    v = verbs.add_parser("dump", help="print the newest (or a given) version as YAML")
    v.add_argument("--version", type=int, default=None)
    v.set_defaults(run=rules_dump)
    verbs.add_parser("history", help="CSV of rule versions").set_defaults(run=rules_history)

    p = add_verb(sub, "allocate")
    p.add_argument("--month", default=None)
    p.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"], help="spark: see `spark master`")
    p.set_defaults(run=allocate)

    p = add_verb(sub, "totals")
    p.add_argument("--month", required=True)
    p.add_argument("--by", default="team", choices=["team", "department", "provider", "service"])
    p.add_argument("--metric", default="effective", choices=["effective", "billed", "list"])
    p.set_defaults(run=totals)

    p = add_verb(sub, "explain")
    p.add_argument("--team", required=True)
    p.add_argument("--month", required=True)
    p.add_argument("--metric", default="effective", choices=["effective", "billed", "list"])
    p.set_defaults(run=explain_team)
