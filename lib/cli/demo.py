"""The `demo` verb: build the demo company into the data folder."""

import sys

from lib.cli import add_verb, fail
from lib.demo import build


def run_demo(store, args) -> int:
    if args.rows < 1000:
        fail(f"--rows {args.rows} is too small; use at least 1000")

    def progress(fraction: float, message: str) -> None:
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr)

    result = build.build(store, seed=args.seed, rows=args.rows, clean=args.clean, progress=progress)
    for problem in list(result.ingest.problems) + list(result.problems):
        print(problem, file=sys.stderr)
    if not result.ok:
        fail("the demo could not be built; see the problems above")
    print(f"demo written to {store.data_dir}: {result.ingest.rows:,} charges in {len(result.ingest.periods)} "
          f"billing periods; org, rules, budgets and anomaly truth in {result.folder}", file=sys.stderr)
    return 0


def register(sub) -> None:
    p = add_verb(sub, "demo")
    p.add_argument("--seed", type=int, default=7, help="random seed: the same seed gives the same company")
    p.add_argument("--rows", type=int, default=build.DEFAULT_ROWS, help="approximate number of charges")
    p.add_argument("--clean", action="store_true", help="inject no anomalies (for false-alert checks)")
    p.set_defaults(run=run_demo)
