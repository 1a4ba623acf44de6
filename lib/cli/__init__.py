"""The command line, `python -m lib <verb>`: one module per family of verbs, and what they share.

Each family module (`core`, `sources`, `statements`, ...) has a `register(subparsers)` that adds its
verbs; `main` imports only the family of the verb being run. This package may import every other
lib package; nothing imports it. The helpers here are the one way a verb reads a month, reads a file,
writes CSV and refuses bad input.
"""

import sys
from pathlib import Path

from lib.core import exports
from lib.core.periods import period_problem


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


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


def allocated(store, con, only: list[str] | None = None):
    """The `allocated` view for these periods (all when None); refuses, naming why, when one cannot be allocated."""
    from lib.allocation import cache  # the verbs that never allocate do not import the engine

    cache.allocated_view(store, con, only)
    if problems := cache.problems(con):
        for problem in problems[1:]:
            print(f"error: {problem}", file=sys.stderr)
        fail(problems[0])
    return con
