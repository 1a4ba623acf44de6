"""`python -m lib [--data-dir DIR] <verb>`: every Costbook job, headless.

Machine-readable output goes to stdout (CSV), messages to stderr; bad input exits 2 with a
one-line reason. Each area of the app registers its verbs from its own `cli_<area>.py`
module (a `register(subparsers)` function); verbs call the same lib functions as the pages.
"""

import argparse
import csv
import importlib
import sys

from lib.crypto import DataKeyError
from lib.store import default_data_dir, open_store

COMMAND_MODULES = ("lib.cli_core", "lib.cli_anomalies", "lib.cli_access", "lib.cli_statements", "lib.cli_budgets",
                   "lib.cli_demo", "lib.cli_sources", "lib.cli_scale")
# Which module registers each verb: a run imports only the module its verb needs (the PDF, cloud SDK
# and chart libraries take seconds to import); --help and unknown verbs load them all.
VERB_MODULES = {
    "org": "lib.cli_core", "rules": "lib.cli_core", "allocate": "lib.cli_core", "totals": "lib.cli_core",
    "explain": "lib.cli_core", "anomalies": "lib.cli_anomalies", "users": "lib.cli_access", "audit": "lib.cli_access",
    "rotate-key": "lib.cli_access", "statement": "lib.cli_statements", "statements": "lib.cli_statements",
    "journal": "lib.cli_statements", "reconcile": "lib.cli_statements", "close": "lib.cli_statements",
    "reopen": "lib.cli_statements", "budgets": "lib.cli_budgets", "alerts": "lib.cli_budgets", "demo": "lib.cli_demo",
    "import": "lib.cli_sources", "refresh": "lib.cli_sources", "sources": "lib.cli_sources", "rates": "lib.cli_sources",
    "tags": "lib.cli_sources",
    "spark": "lib.cli_scale",
}


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


def fail(message: str) -> None:
    raise UsageError(message)


def write_csv(header: list[str], rows) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(header)
    out.writerows(rows)


def _verb(argv: list[str]) -> str | None:
    """The verb of a command line: the first word that is not a global option or its value."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word == "--data-dir":
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m lib", description="Costbook: cloud cost chargeback, headless.")
    p.add_argument("--data-dir", default=None, help="data folder (default: $COSTBOOK_DATA_DIR or data/)")
    sub = p.add_subparsers(dest="verb", required=True, metavar="<verb>")
    needed = VERB_MODULES.get(_verb(argv or []))
    for name in ([needed] if needed else COMMAND_MODULES):
        importlib.import_module(name).register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser(argv).parse_args(argv)
    try:
        store = open_store(args.data_dir or default_data_dir())
        return args.run(store, args) or 0
    except (UsageError, DataKeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
