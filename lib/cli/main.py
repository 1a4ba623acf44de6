"""`python -m lib [--data-dir DIR] <verb>`: every Costbook job, headless.

Machine-readable output goes to stdout (CSV), messages to stderr; bad input exits 2 with a
one-line reason. Each area of the app registers its verbs from its own `lib/cli/<area>.py`
module (a `register(subparsers)` function); verbs call the same lib functions as the pages.
"""

import argparse
import importlib
import sys

from lib.cli import UsageError
from lib.store.crypto import DataKeyError
from lib.store.state import default_data_dir, open_store

COMMAND_MODULES = ("lib.cli.core", "lib.cli.anomalies", "lib.cli.access", "lib.cli.statements", "lib.cli.budgets",
                   "lib.cli.demo", "lib.cli.sources", "lib.cli.scale")
# Which module registers each verb: a run imports only the module its verb needs (the PDF, cloud SDK
# and chart libraries take seconds to import); --help and unknown verbs load them all.
VERB_MODULES = {
    "org": "lib.cli.core", "rules": "lib.cli.core", "allocate": "lib.cli.core", "totals": "lib.cli.core",
    "explain": "lib.cli.core", "anomalies": "lib.cli.anomalies", "users": "lib.cli.access", "audit": "lib.cli.access",
    "rotate-key": "lib.cli.access", "statement": "lib.cli.statements", "statements": "lib.cli.statements",
    "journal": "lib.cli.statements", "reconcile": "lib.cli.statements", "close": "lib.cli.statements",
    "reopen": "lib.cli.statements", "budgets": "lib.cli.budgets", "alerts": "lib.cli.budgets", "demo": "lib.cli.demo",
    "import": "lib.cli.sources", "refresh": "lib.cli.sources", "sources": "lib.cli.sources", "rates": "lib.cli.sources",
    "tags": "lib.cli.sources",
    "spark": "lib.cli.scale",
}








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
