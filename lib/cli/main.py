"""`python -m lib [--data-dir DIR] <verb>`: every Costbook job, headless.

Machine-readable output goes to stdout (CSV), messages to stderr; bad input exits 2 with a
one-line reason. Each area of the app registers its verbs from its own `lib/cli/<area>.py`
module (a `register(subparsers)` function, listed in lib.cli.VERBS); verbs call the same lib
functions as the pages.
"""

import argparse
import importlib
import sys
from pathlib import Path

from lib.cli import VERBS, UsageError
from lib.store.crypto import DataKeyError
from lib.store.state import default_data_dir, open_store


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
    p.add_argument("--quiet", action="store_true", help="no progress bars (none are drawn when stderr is no terminal)")
    sub = p.add_subparsers(dest="verb", required=True, metavar="<verb>")
    verb = _verb(argv or [])
    if verb in VERBS:  # the verb's own module adds its full arguments
        importlib.import_module(f"lib.cli.{VERBS[verb][0]}").register(sub)
    else:  # --help, or no or an unknown verb: list every verb, import none
        for name, (_, text) in VERBS.items():
            sub.add_parser(name, help=text, add_help=False)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser(argv).parse_args(argv)
    data_dir = args.data_dir or default_data_dir()
    try:
        store = open_store(data_dir)
    except DataKeyError as exc:
        if hasattr(args, "run_unopenable"):  # a verb that reports on a store it cannot open (health)
            return args.run_unopenable(Path(data_dir), args)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return args.run(store, args) or 0
    except (UsageError, DataKeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
