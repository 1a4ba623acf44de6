"""Progress of a long job: one callback, `progress(fraction, message)`, that lib jobs call as they go.

A job takes `progress: Progress | None = None` and reports fractions from 0 to 1 with a short
message; it never draws. The command line draws the reports as a bar on a terminal (tqdm), a
page as a Streamlit progress bar; under cron, or with --quiet, nobody draws them. A job made of
parts hands each part a portion of its bar with `portion`.

>>> seen = []
>>> report = portion(lambda f, m: seen.append((round(f, 2), m)), 0.5, 1.0)
>>> report(0.5, "half of the second half"); report(2.0, "past the end")
>>> seen
[(0.75, 'half of the second half'), (1.0, 'past the end')]
>>> each(None, 3)(0, "nobody listens")  # no callback: reporting costs nothing
"""

from collections.abc import Callable

Progress = Callable[[float, str], None]


def quiet(fraction: float, message: str) -> None:
    """The callback of a job nobody watches."""


def portion(progress: Progress | None, start: float, end: float) -> Progress:
    """A callback for a part of a job: its 0..1 becomes start..end of the whole (clamped to 0..1)."""
    if progress is None:
        return quiet

    def report(fraction: float, message: str) -> None:
        progress(start + (end - start) * min(max(fraction, 0.0), 1.0), message)
    return report


def each(progress: Progress | None, total: int, start: float = 0.0, end: float = 1.0) -> Callable[[int, str], None]:
    """A callback for the i-th of `total` equal steps (i from 0, reported when step i is done)."""
    report = portion(progress, start, end)
    return lambda i, message: report((i + 1) / max(total, 1), message)
