"""The `demo` verb: build the demo company into the data folder, or leave demo mode (`demo --leave`)."""

import sys

from lib.cli import add_verb, fail, progress_bar
from lib.demo import build


def run_demo(store, args) -> int:
    if args.leave:
        return leave(store)
    if args.rows < 1000:
        fail(f"--rows {args.rows} is too small; use at least 1000")
    with progress_bar(args, "demo") as progress:
        result = build.build(store, seed=args.seed, rows=args.rows, clean=args.clean, progress=progress)
    for problem in list(result.ingest.problems) + list(result.problems):
        print(problem, file=sys.stderr)
    if not result.ok:
        fail("the demo could not be built; see the problems above")
    print(f"demo written to {store.data_dir}: {result.ingest.rows:,} charges in {len(result.ingest.periods)} "
          f"billing periods; org, rules, budgets and anomaly truth in {result.folder}", file=sys.stderr)
    return 0


def leave(store) -> int:
    from lib.core import access
    from lib.people import startup

    disabled = startup.leave_demo_mode(store, access.CLI)
    print(f"demo mode is off; demo users disabled: {', '.join(disabled) or 'none'}. Before the next start: set "
          "COSTBOOK_COOKIE_KEY (or [costbook] cookie_key) to 32+ random characters and add a real admin "
          "(python -m lib users add NAME --role admin). The demo's org, rules and charges stay until you "
          "replace them; for production start from an empty data folder.", file=sys.stderr)
    return 0


def register(sub) -> None:
    p = add_verb(sub, "demo")
    p.add_argument("--seed", type=int, default=7, help="random seed: the same seed gives the same company")
    p.add_argument("--rows", type=int, default=build.DEFAULT_ROWS, help="approximate number of charges")
    p.add_argument("--clean", action="store_true", help="inject no anomalies (for false-alert checks)")
    p.add_argument("--leave", action="store_true", help="end demo mode: clear the flag, disable the demo users")
    p.set_defaults(run=run_demo)
