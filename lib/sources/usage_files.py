"""Importing usage files (OpenCost allocation data, generic usage CSVs) as one all-or-nothing run.

`lib.sources.files.import_files` hands usage files here; billing files and usage files go in
separate imports. `cluster` names the Kubernetes cluster of files that do not carry one
(OpenCost's CSV export).

>>> sorted(FORMATS)
['opencost', 'usage']
"""

from pathlib import Path

from lib.core.problems import Problem
from lib.sources import opencost, usage_csv
from lib.sources.ingest import IngestResult
from lib.sources.usage_ingest import ingest_usage
from lib.store.state import Store

FORMATS = {m.NAME: m for m in (opencost, usage_csv)}


def sniff(path: str, columns: list[str] | None) -> str | None:
    """The usage format of a file from its name and CSV header (None: not a usage file)."""
    if path.lower().endswith(".json"):
        return opencost.NAME
    return next((name for name, m in FORMATS.items() if columns is not None and m.sniff(columns)), None)


def load(con, paths: list[str], formats: list[str | None], cluster: str | None = None,
         prefix: str = "_usage_raw") -> tuple[list[tuple[str, str]], list[Problem]]:
    """Load each usage file into a raw view: ([(file name, view)], problems)."""
    inputs, problems = [], []
    for i, (path, fmt) in enumerate(zip(paths, formats)):
        name = Path(path).name
        if not Path(path).is_file():
            problems.append(Problem(name, None, None, "file not found"))
        elif fmt not in FORMATS:
            problems.append(Problem(name, None, None, "usage files (" + ", ".join(FORMATS) + ") and billing "
                                    "files go in separate imports"))
        else:
            found = FORMATS[fmt].load(con, str(path), f"{prefix}_{i}", cluster)
            problems += found
            inputs.append((name, f"{prefix}_{i}"))
    return inputs, problems


def import_usage(store: Store, con, paths: list[str], formats: list[str | None], actor: str = "system",
                 source: str | None = None, cluster: str | None = None) -> IngestResult:
    """Check and ingest usage files as one run; any problem in any file loads nothing."""
    inputs, problems = load(con, paths, formats, cluster)
    if problems:
        return IngestResult(None, problems=tuple(problems))
    name = source or "+".join(sorted({f for f in formats if f}))
    return ingest_usage(store, con, inputs, source=name, actor=actor)
