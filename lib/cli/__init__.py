"""The command line, `python -m lib <verb>`: one module per family of verbs, and what they share.

Each family module (`core`, `sources`, `statements`, ...) has a `register(subparsers)` that adds its
verbs; `main` imports only the family of the verb being run. This package may import every other
lib package; nothing imports it. The helpers here are the one way a verb reads a month, reads a file,
writes CSV and refuses bad input.
"""

import argparse
import contextlib
import sys
from pathlib import Path

from lib.core import exports
from lib.core.periods import period_problem

# Every verb: the module of lib/cli that registers it, and its one-line help. `python -m lib --help`
# lists them from here without importing any verb module; a run imports only its verb's module.
VERBS = {
    "demo": ("demo", "build the demo company (org, rules, budgets, 13 months of charges)"),
    "import": ("sources", "normalize and ingest billing files, or usage data (OpenCost, usage CSVs)"),
    "refresh": ("sources", "pull the configured billing sources (current and previous month)"),
    "sources": ("sources", "configured billing sources and their freshness (CSV)"),
    "rates": ("sources", "currency rates for display conversion"),
    "tags": ("sources", "tag keys the rules use, promoted to lake columns (status as CSV)"),
    "org": ("core", "org structure in and out (YAML)"),
    "rules": ("core", "allocation rules in and out (YAML), versions"),
    "budgets": ("budgets", "budgets in and out (CSV team,month,amount,currency), status"),
    "allocate": ("core", "(re)compute allocations (cached per period and rules version)"),
    "totals": ("core", "CSV <by>,currency,amount for a month, rounded so rows add up"),
    "explain": ("core", "which rules brought a team its spend (or why spend is Unallocated)"),
    "anomalies": ("anomalies", "detected cost anomalies as CSV, most severe first"),
    "alerts": ("budgets", "budget and anomaly alerts"),
    "statement": ("statements", "one team's chargeback statement as PDF or CSV"),
    "statements": ("statements", "every team's statements for a month as a ZIP, and/or e-mail them"),
    "journal": ("statements", "balanced journal entries (CSV) for the general ledger"),
    "reconcile": ("statements", "invoiced vs ingested vs allocated vs statements; exit 1 on differences"),
    "close": ("statements", "close a reconciled month (freezes data, rules and statements)"),
    "reopen": ("statements", "reopen a closed month (needs a reason)"),
    "users": ("access", "users and roles: load, dump, list, add, disable, enable, unlock, reset-password"),
    "audit": ("access", "the audit trail: verify, export"),
    "health": ("health", "health of the pipeline: sources, schedules, reconciliation, audit; exit 0 ok, 1 warn, 2 fail"),
    "rotate-key": ("access", "re-encrypt the lake and state store under COSTBOOK_NEW_DATA_KEY"),
    "spark": ("scale", "run the allocation on Spark (optional: pip install -r requirements-spark.txt)"),
    "export": ("export", "the bill and its allocation in an open format: export focus"),
    "commitments": ("export", "contract commitments: cost and what the charges applied (CSV)"),
}


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


def add_verb(sub, name: str, **options):
    """Add a verb's parser with its help from VERBS (one place for what `--help` lists), and --quiet."""
    return quiet_flag(sub.add_parser(name, help=VERBS[name][1], **options))


def quiet_flag(p):
    """--quiet on a verb's own parser (also after the verb); SUPPRESS keeps a --quiet given before the verb."""
    p.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress bar")
    return p


@contextlib.contextmanager
def progress_bar(args, what: str):
    """The progress callback (lib.core.progress) of a long verb: a bar on stderr when it is a terminal,
    nothing under cron, in a pipe or with --quiet (messages and results are printed as before)."""
    if getattr(args, "quiet", False) or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm  # only a verb drawing a bar loads it

    with tqdm(total=1000, desc=what, file=sys.stderr, leave=False, dynamic_ncols=True,
              bar_format="{desc} {percentage:3.0f}%|{bar:24}| {elapsed}{postfix}") as bar:
        def report(fraction: float, message: str) -> None:
            bar.n = round(min(max(fraction, 0.0), 1.0) * 1000)
            bar.set_postfix_str(message, refresh=False)
            bar.refresh()
        yield report


def fail(message: str) -> None:
    raise UsageError(message)


def write_csv(header: list[str], rows) -> None:
    """CSV to stdout, formula-safe (lib.core.exports)."""
    exports.write_csv(sys.stdout, header, rows)


def month_arg(value: str) -> str:
    if problem := period_problem(value, "--month"):
        fail(problem)
    return value


def read_file(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")


def allocated(store, con, only: list[str] | None = None, progress=None):
    """The `allocated` view for these periods (all when None); refuses, naming why, when one cannot be allocated."""
    from lib.allocation import cache  # the verbs that never allocate do not import the engine

    cache.allocated_view(store, con, only, progress)
    if problems := cache.problems(con):
        for problem in problems[1:]:
            print(f"error: {problem}", file=sys.stderr)
        fail(problems[0])
    return con
