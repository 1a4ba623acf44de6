"""Billing sources: readers that turn a file or an API answer into FOCUS-named raw views.

A file format is a module with
    NAME: str                                   e.g. "focus"
    sniff(columns: list[str]) -> bool           does a header look like this format?
    load(con, path: str, view: str) -> list[Problem]   create the raw view (FOCUS names + _row)
Register it in FORMATS; `import_files` detects, loads and hands the views to ingest.
A format whose files only make sense together (Azure actual + amortized) also exposes
    combine(con, [(file name, view)]) -> [(file name, view)]
which `import_files` calls with all of that format's views of one import.
Usage files (OpenCost data, generic usage CSVs: lib.sources.usage_files) are detected here too
and go to the usage lake instead.
"""

from dataclasses import replace
from pathlib import Path

from lib.core.problems import Problem
from lib.core.progress import Progress, portion
from lib.sources import aws_cur, azure_export, digests, focus_datasets, focus_file, gcp_billing, gcp_focus, usage_files
from lib.sources.ingest import IngestResult, ingest
from lib.store.guard import ImportGuard
from lib.store.state import Store

# Detection tries these in order: provider-specific layouts before plain FOCUS.
FORMATS = {m.NAME: m for m in (aws_cur, azure_export, gcp_billing, gcp_focus, focus_file)}
# The FOCUS datasets other than cost and usage, as --format names; `auto` and `focus` detect them too.
DATASET_FORMATS = {"focus-contract-commitment": "ContractCommitment", "focus-billing-period": "BillingPeriod",
                   "focus-invoice-detail": "InvoiceDetail"}


def header_columns(con, path: str) -> list[str]:
    """The column names of a CSV or Parquet file, without reading its rows."""
    if path.lower().endswith(".parquet"):
        return [r[0] for r in con.execute("select name from parquet_schema(?) where name <> 'schema'", [path]).fetchall()]
    rel = con.execute("select * from read_csv(?, all_varchar = true, header = true, sample_size = 1) limit 0", [path])
    return [d[0] for d in rel.description]


def detect(con, path: str) -> str | None:
    if path.lower().endswith(".json"):
        return usage_files.sniff(path, None)
    try:
        columns = header_columns(con, path)
    except Exception:
        return None
    for name, module in FORMATS.items():
        if module.sniff(columns):
            return name
    return usage_files.sniff(path, columns)


def import_files(store: Store, con, paths: list[str], fmt: str = "auto", actor: str = "system",
                 source: str | None = None, cluster: str | None = None,
                 progress: Progress | None = None) -> IngestResult:
    """Normalize and ingest files as one run; any problem in any file loads nothing.

    FOCUS ContractCommitment, BillingPeriod and InvoiceDetail files among them go to the state
    store (lib.sources.focus_datasets) once the charges are in. Usage files go to the usage lake;
    `cluster` names the Kubernetes cluster of those that carry none (OpenCost's CSV export).
    """
    with ImportGuard(store):  # first cleans up after a killed import, when none is running
        portion(progress, 0, 0.05)(0, f"reading {len(paths)} file{'s' if len(paths) != 1 else ''}")
        chosen = [detect(con, str(p)) if fmt == "auto" else fmt for p in paths]
        if any(c in usage_files.FORMATS for c in chosen):
            return usage_files.import_usage(store, con, paths, chosen, actor, source, cluster)
        datasets, rest, problems = _datasets(con, paths, fmt)
        inputs, found, formats = prepare(con, rest, fmt) if rest else ([], [], set())
        read_as = tuple(describe(con, p, fmt) for p in paths)
        if problems or found:
            return IngestResult(None, problems=tuple(problems + found), read_as=read_as)
        result = ingest(store, con, inputs, source=source or "+".join(sorted(formats)), actor=actor,
                        progress=portion(progress, 0.05, 1.0)) if inputs else IngestResult(None)
        if result.ok and datasets:
            result = replace(result, datasets=focus_datasets.save(store, con, datasets))
        return replace(result, read_as=read_as)


def _dataset_of(con, path: str, fmt: str) -> str | None:
    if fmt in DATASET_FORMATS:
        return DATASET_FORMATS[fmt]
    if fmt not in ("auto", "focus") or not Path(path).is_file():
        return None
    try:
        return focus_datasets.detect(header_columns(con, path))
    except Exception:
        return None


def _datasets(con, paths: list[str], fmt: str) -> tuple[list[tuple[str, str, str]], list[str], list[Problem]]:
    """Split off the FOCUS dataset files and load them: ([(file name, view, dataset)], other paths, problems)."""
    loaded, rest, problems = [], [], []
    for i, path in enumerate(paths):
        name = _dataset_of(con, path, fmt)
        if name is None:
            rest.append(path)
            continue
        view = f"_dataset_{i}"
        found = focus_datasets.load(con, path, view, name)
        problems += found
        loaded.append((Path(path).name, view, name))
    return loaded, rest, problems


def describe(con, path: str, fmt: str = "auto") -> str:
    """What a file is read as: 'bill.csv: FOCUS 1.3 (from its columns)', 'cur.csv: aws-cur'."""
    name = Path(path).name
    dataset = _dataset_of(con, path, fmt)
    if dataset:
        return f"{name}: FOCUS {dataset} dataset"
    chosen = detect(con, path) if fmt == "auto" else fmt
    if chosen == focus_file.NAME:
        return f"{name}: {focus_file.describe(path, header_columns(con, path))}"
    return f"{name}: {chosen or 'not recognized'}"


def prepare(con, paths: list[str], fmt: str = "auto", prefix: str = "_raw") -> tuple[list, list, set]:
    """Detect and load files into raw views: ([(file name, view)], problems, formats used).

    The same content given twice (the same path, or two files with the same bytes) is refused:
    it would be counted twice. Each view's content hash is noted on `con` for ingest (lib.sources.digests).
    """
    inputs, problems, formats, seen = [], [], set(), {}
    for i, path in enumerate(paths):
        name = Path(path).name
        if not Path(path).is_file():
            problems.append(Problem(name, None, None, "file not found"))
            continue
        sha = digests.digest(path)
        if sha in seen:
            problems.append(digests.again(name, seen[sha], sha))
            continue
        seen[sha] = name
        chosen = detect(con, path) if fmt == "auto" else fmt
        if chosen not in FORMATS:
            reason = (f"unknown format {fmt!r}; known: {', '.join(FORMATS)}" if fmt != "auto"
                      else "not a billing file Costbook recognizes (" + ", ".join(FORMATS) + ")")
            problems.append(Problem(name, None, None, reason))
            continue
        view = f"{prefix}_{i}"
        digests.remember(con, view, sha)
        found = FORMATS[chosen].load(con, path, view)
        problems += [Problem(name, p.row, p.column, p.reason) for p in found]
        if not found:
            inputs.append((name, view, chosen))
            formats.add(chosen)
    return ([] if problems else combined(con, inputs)), problems, formats


def combined(con, inputs: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """Hand each format that combines files (see module doc) all of its views of this import."""
    out = []
    for fmt in dict.fromkeys(f for _, _, f in inputs):
        views = [(name, view) for name, view, f in inputs if f == fmt]
        module = FORMATS[fmt]
        out += module.combine(con, views) if hasattr(module, "combine") else views
    return out
