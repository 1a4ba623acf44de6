"""Billing export files in a local folder (kind `folder`, and `azure-export-folder`).

Params: `path` (the folder, searched recursively for .csv and .parquet files) and
`format` (default auto; azure-export for the Azure kinds). With months given, only files
whose path names the month (`2026-07`, `202607` or an Azure export range
`20260701-20260731`) are read. Kind `azure-export-blob` (lib/sources/azure_blob.py) reads
the same exports from a storage container through `load_paths` and `source_format`.

    - {name: azure-exports, provider: azure, kind: azure-export-folder, params: {path: /exports/azure}}
"""

from pathlib import Path

from lib.core.problems import Problem
from lib.sources.files import prepare

SUFFIXES = (".csv", ".parquet", ".csv.gz")


def month_files(files: list[Path], root: Path, months: list[str]) -> list[Path]:
    """The files whose path below root names one of the months."""
    marks = [m for month in months for m in (month, month.replace("-", ""))]
    return [f for f in files if any(m in str(f.relative_to(root)) for m in marks)]


def source_format(src) -> str:
    """The format a folder-like source reads: params.format, else azure-export for the Azure export kinds."""
    default = "azure-export" if src.kind.startswith("azure-export") else "auto"
    return str(src.params.get("format") or default)


def load_paths(con, paths: list[Path], fmt: str, prefix: str):
    inputs, problems, _ = prepare(con, [str(p) for p in paths], fmt, prefix)
    return inputs, problems


def fetch(src, con, months: list[str], workdir: Path, progress=None):
    root = Path(str(src.params.get("path", "")))
    fmt = source_format(src)
    if not root.is_dir():
        return [], [Problem(src.name, None, "path", f"folder {root} does not exist")]
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES))
    chosen = month_files(files, root, months) if months else files
    if not chosen:
        return [], [Problem(src.name, None, None, f"no export files for {', '.join(months)} in {root}")]
    if progress:
        progress(0.5, f"{src.name}: reading {len(chosen)} file(s)")
    return load_paths(con, chosen, fmt, "_raw")
