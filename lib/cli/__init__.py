"""The command line, `python -m lib <verb>`: one module per family of verbs, and what they share.

Each family module (`core`, `sources`, `statements`, ...) has a `register(subparsers)` that adds its
verbs; `main` imports only the family of the verb being run. This package may import every other
lib package; nothing imports it. The helpers here are the one way a verb reads a month, reads a file,
writes CSV and refuses bad input.
"""

import csv
import sys
from pathlib import Path

from lib.core.exports import safe_cell
from lib.core.periods import MONTH


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


def fail(message: str) -> None:
    raise UsageError(message)


def write_csv(header: list[str], rows) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(header)
    out.writerows([safe_cell(v) for v in row] for row in rows)


def month_arg(value: str) -> str:
    if not MONTH.fullmatch(value or ""):
        fail(f"--month {value!r} is not a billing period like 2026-07")
    return value


def read_file(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
