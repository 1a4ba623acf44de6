"""FOCUS out: the bill and its allocation as FOCUS, and the contract commitments FOCUS files brought in.

    python -m lib export focus --out FILE [--month YYYY-MM] [--version 1.2|1.3] [--format csv|parquet] [--allocated]
    python -m lib commitments [--month YYYY-MM]       # CSV: each commitment's cost and what was applied
"""

import sys

from lib.cli import add_verb, fail, month_arg, progress_bar, write_csv
from lib.core import access
from lib.reports import commitments, focus_export
from lib.store.lake import engine


def export_focus(store, args) -> int:
    month = month_arg(args.month) if args.month else None
    fmt = args.format or ("parquet" if args.out.lower().endswith(".parquet") else "csv")
    with progress_bar(args, "export") as progress:
        result, problems = focus_export.export(store, engine(store), access.CLI, args.out, month, args.version, fmt,
                                               args.allocated, progress)
    if problems:
        for problem in problems[1:]:
            print(f"error: {problem}", file=sys.stderr)
        fail(problems[0])
    kind = "allocated bill" if result.allocated else "charges"
    print(f"wrote {result.path}: {result.rows} rows, the {kind} of {', '.join(result.periods)} as FOCUS "
          f"{result.version} {result.fmt}", file=sys.stderr)
    return 0


def commitments_cmd(store, args) -> int:
    month = month_arg(args.month) if args.month else None
    found = commitments.commitments(store, engine(store), access.CLI, month)
    if not found:
        print("no contract commitments imported (a FOCUS ContractCommitment file brings them)", file=sys.stderr)
    write_csv(list(commitments.HEADER), [c.as_row() for c in found])
    return 0


def register(sub) -> None:
    p = add_verb(sub, "export")
    verbs = p.add_subparsers(dest="export_verb", required=True)
    v = verbs.add_parser("focus", help="the charges (or, with --allocated, one row per team share) as FOCUS")
    v.add_argument("--out", required=True, metavar="FILE")
    v.add_argument("--month", default=None, help="one billing period YYYY-MM (default: every period)")
    v.add_argument("--version", default="1.2", choices=list(focus_export.VERSIONS))
    v.add_argument("--format", default=None, choices=list(focus_export.FORMATS),
                   help="default: parquet for a .parquet FILE, else csv")
    v.add_argument("--allocated", action="store_true",
                   help="the allocated bill: one row per team share, with the rule and ratio (FOCUS 1.3 columns)")
    v.set_defaults(run=export_focus)

    p = add_verb(sub, "commitments")
    p.add_argument("--month", default=None, help="applied in one billing period YYYY-MM (default: all)")
    p.set_defaults(run=commitments_cmd)
