"""Budget and alert verbs: `budgets load|dump|status`, `alerts check`.

`alerts check` is meant for cron (hourly): it sends what is due, never twice, and retries
what failed before. Exit code 0 when every delivery went out, 1 when some failed (they are
recorded and retried on the next run). `budgets load|dump` touch only the state store, so the
allocation, forecast and alert modules are imported by the verbs that need them.
"""

import sys

from lib.budgets import budget
from lib.cli import add_verb, fail, month_arg, write_csv
from lib.core import access, money
from lib.core.focus import METRICS


def budgets_load(store, args) -> int:
    count, problems = budget.load_budgets_csv(store, args.file, access.CLI)
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        fail(f"{len(problems)} problem(s) in {args.file}; no budget was saved")
    print(f"loaded {count} budget(s)", file=sys.stderr)
    return 0


def budgets_dump(store, args) -> int:
    sys.stdout.write(budget.budgets_csv(budget.list_budgets(store, access.CLI)))
    return 0


def budgets_status(store, args) -> int:
    from lib.budgets.status import budget_status
    from lib.store.lake import engine

    rows = budget_status(store, engine(store), access.CLI, args.metric, args.month and month_arg(args.month))
    write_csv(["scope", "owner", "period", "currency", "budget", "actual", "forecast", "forecast_low", "forecast_high",
               "pct", "forecast_pct", "state", "overrun", "burn_per_day", "as_of"],
              [(s.budget.scope, s.budget.owner, s.budget.period, s.budget.currency, s.budget.amount,
                money.round_total(s.actual), s.forecast.total, s.forecast.low, s.forecast.high, s.pct,
                s.forecast_pct, s.state, s.overrun or "", s.burn_rate, s.as_of) for s in rows])
    return 0


def alerts_check(store, args) -> int:
    from lib.alerts import check
    from lib.store.lake import engine

    result = check.check(store, engine(store))
    for error in result.errors:
        print(f"alert source failed: {error}", file=sys.stderr)
    print(f"{result.alerts} alert(s) due: {result.sent} sent, {result.failed} failed (retried next run), "
          f"{result.skipped} already sent", file=sys.stderr)
    return 1 if result.failed or result.errors else 0


def register(sub) -> None:
    p = add_verb(sub, "budgets")
    verbs = p.add_subparsers(dest="budgets_verb", required=True, metavar="<load|dump|status>")
    v = verbs.add_parser("load", help="check a budget CSV and save all its rows (or none)")
    v.add_argument("file")
    v.set_defaults(run=budgets_load)
    verbs.add_parser("dump", help="every budget as CSV (loads back unchanged)").set_defaults(run=budgets_dump)
    v = verbs.add_parser("status", help="CSV of actual, forecast and overrun day per budget")
    v.add_argument("--month", default=None, help="only budgets covering this month (YYYY-MM)")
    v.add_argument("--metric", choices=sorted(METRICS), default="effective")
    v.set_defaults(run=budgets_status)
    p = add_verb(sub, "alerts")
    verbs = p.add_subparsers(dest="alerts_verb", required=True, metavar="<check>")
    verbs.add_parser("check", help="send the alerts that are due (safe to run hourly)").set_defaults(run=alerts_check)
