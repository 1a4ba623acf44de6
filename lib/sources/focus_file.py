"""FOCUS cost-and-usage files (CSV or Parquet, versions 1.0 to 1.4) as written by providers and other tools.

Column names are matched case-insensitively; renamed columns of older versions are mapped to
their current names; literal NULL strings are nulls; columns that are neither FOCUS nor `x_`
(the FOCUS sample has a stray `Id`) are ignored; the file's `x_` columns are kept (ingest stores
them as x_ProviderExtras). A 1.4 file has no ProviderName: its ServiceProviderName takes that
place. ContractApplied keys spelled `…ID` (1.3 as printed) are rewritten `…Id` (the errata).

The version is the one a metadata file beside the data declares (`<name>-metadata.json`,
`<name>.metadata.json` or `metadata.json` with a FocusVersion), else what the header shows
(lib.core.focus_versions.detect); lib.sources.focus_checks holds the version's rules.

A custom column must be named `x_` and then letters, digits or underscores (what FOCUS asks of
provider columns): any other `x_` name is refused with a problem naming it, before a query reads
the rows.

>>> str(column_problem("bill.csv", 'x_Cost" from x --'))
'bill.csv, column x_Cost" from x --: a custom column name must be x_ followed by letters, digits or underscores'
>>> describe("focus-1.3.csv", ["BilledCost", "ServiceProviderName", "HostProviderName", "ProviderName"])
'FOCUS 1.3 (from its columns)'
"""

import json
import re
from pathlib import Path

from lib.core import focus, focus_versions
from lib.core.problems import Problem
from lib.core.sql import identifier, literal
from lib.sources import focus_checks

NAME = "focus"
RENAMED = {  # older FOCUS names -> current
    "amortizedcost": "EffectiveCost",
    "chargetype": "ChargeCategory",
    "usagequantity": "ConsumedQuantity",
    "usageunit": "ConsumedUnit",
    "provider": "ProviderName",
    "publisher": "PublisherName",
    "invoiceissuer": "InvoiceIssuerName",
    "region": "RegionId",
}
CANON = {n.lower(): n for n in focus.NAMES if not n.startswith("x_")} | RENAMED
OWN = ("x_Source", "x_BillingPeriod", "x_ProviderExtras")  # Costbook's lake columns, never taken from a file
CUSTOM = re.compile(r"x_[A-Za-z0-9_]{1,120}")
ID_SPELLING = (('"ContractCommitmentID"', '"ContractCommitmentId"'), ('"ContractID"', '"ContractId"'))


def column_problem(file: str, column: str) -> Problem | None:
    """A problem when a column claims to be a custom (x_) column but is not a plain name."""
    if column.startswith("x_") and not CUSTOM.fullmatch(column):
        shown = column if len(column) <= 80 else column[:77] + "..."
        return Problem(file, None, shown, "a custom column name must be x_ followed by letters, digits or underscores")
    return None


def sniff(columns: list[str]) -> bool:
    lower = {c.lower() for c in columns}
    return {"billedcost", "chargeperiodstart", "billingcurrency"} <= lower


def reader_sql(path: str) -> str:
    if path.lower().endswith(".parquet"):
        return f"read_parquet({literal(path)})"
    return f"read_csv({literal(path)}, all_varchar = true, header = true, nullstr = ['NULL', 'null', ''])"


def declared(path: str) -> tuple[str | None, str | None]:
    """(FocusVersion, metadata file name) from a metadata file beside the data, or (None, None)."""
    p = Path(path)
    for meta in (p.with_name(p.stem + "-metadata.json"), p.with_name(p.stem + ".metadata.json"),
                 p.with_name("metadata.json")):
        if meta.is_file():
            try:
                found = _find_version(json.loads(meta.read_text(encoding="utf-8-sig")))
            except (OSError, ValueError):
                continue
            if found:
                return found, meta.name
    return None, None


def _find_version(data) -> str | None:
    """The first FocusVersion anywhere in a metadata document (1.3 nests it in a Schema collection)."""
    if isinstance(data, dict):
        if isinstance(data.get("FocusVersion"), str | int | float):
            return str(data["FocusVersion"])
        data = list(data.values())
    if isinstance(data, list):
        return next((v for v in map(_find_version, data) if v), None)
    return None


def version_of(columns: list[str], path: str) -> tuple[str, str]:
    """(version, how it is known): declared by metadata, else detected from the header."""
    version, meta = declared(path)
    if version:
        short = re.match(r"\d+\.\d+", version)
        return (short.group(0) if short else version), f"declared in {meta}"
    return focus_versions.detect(columns), "from its columns"


def describe(path: str, columns: list[str]) -> str:
    version, how = version_of(columns, path)
    return f"FOCUS {version} ({how})"


def _pick(columns: list[str]) -> dict[str, str]:
    """FOCUS name -> the file's column: the first of each name, FOCUS columns and the file's x_ columns."""
    picked: dict[str, str] = {}
    for col in columns:
        name = CANON.get(col.lower()) or (col if col.startswith("x_") else None)
        if name is not None and name not in picked and name not in OWN:
            picked[name] = col
    return picked


def _select(name: str, col: str) -> str:
    if name == "ContractApplied":
        text = f"cast({identifier(col)} as varchar)"
        for old, new in ID_SPELLING:
            text = f"replace({text}, {literal(old)}, {literal(new)})"
        return f"{text} as ContractApplied"
    return f"{identifier(col)} as {identifier(name)}"


def load(con, path: str, view: str) -> list[Problem]:
    """Create `view` with FOCUS column names and `_row` (the data row's line number in a CSV)."""
    try:
        rel = con.execute(f"select * from {reader_sql(path)} limit 0")
    except Exception as exc:
        return [Problem(path, None, None, f"cannot read the file: {str(exc).splitlines()[0]}")]
    header = [d[0] for d in rel.description]
    refused = [p for p in (column_problem(path, c) for c in header) if p]
    if refused:
        return refused
    picked = _pick(header)
    version, how = version_of(header, path)
    problems = focus_checks.column_problems(Path(path).name, version, how, picked)
    if problems:
        return problems
    parts = [_select(name, col) for name, col in picked.items()]
    if "ProviderName" not in picked and "ServiceProviderName" in picked:  # 1.4: the provider column is gone
        parts.append(f"{identifier(picked['ServiceProviderName'])} as ProviderName")
    # Line numbers: the header is line 1, so data row n is line n + 1 (Parquet: row n). A Parquet
    # reader numbers rows itself, which keeps the scan parallel; a CSV needs a window over the file.
    columns = ", ".join(parts) or "1 as _none"
    if path.lower().endswith(".parquet"):
        numbered = f"file_row_number + 1 as _row, {columns} from read_parquet({literal(path)}, file_row_number = true)"
    else:
        numbered = f"row_number() over () + 1 as _row, {columns} from {reader_sql(path)}"
    con.execute(f"create or replace temp view {view} as select {numbered}")
    return focus_checks.row_problems(con, Path(path).name, view, version)
