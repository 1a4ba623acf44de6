"""`python -m lib [--data-dir DIR] <verb>`: every Costbook job, headless.

Machine-readable output goes to stdout (CSV), messages to stderr; bad input exits 2 with a
one-line reason. Each area of the app registers its verbs from its own `cli_<area>.py`
module (a `register(subparsers)` function); verbs call the same lib functions as the pages.
"""

import argparse
import csv
import importlib
import sys

from lib.store import default_data_dir, open_store

COMMAND_MODULES = ("lib.cli_core", "lib.cli_anomalies", "lib.cli_access")


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


def fail(message: str) -> None:
    raise UsageError(message)


def write_csv(header: list[str], rows) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(header)
    out.writerows(rows)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m lib", description="Costbook: cloud cost chargeback, headless.")
    p.add_argument("--data-dir", default=None, help="data folder (default: $COSTBOOK_DATA_DIR or data/)")
    sub = p.add_subparsers(dest="verb", required=True, metavar="<verb>")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    store = open_store(args.data_dir or default_data_dir())
    try:
        return args.run(store, args) or 0
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
