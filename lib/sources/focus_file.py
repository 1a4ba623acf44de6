"""FOCUS files (CSV or Parquet, versions 1.0 to 1.3) as written by providers and other tools.

Column names are matched case-insensitively; renamed columns of older versions are
mapped to their 1.2 names; literal NULL strings are nulls; columns that are neither
FOCUS nor `x_` (the FOCUS sample has a stray `Id`) are ignored. A custom column must be
named `x_` and then letters, digits or underscores (what FOCUS asks of provider columns):
any other `x_` name is refused with a problem naming it, before a query reads the rows.

>>> str(column_problem("bill.csv", 'x_Cost" from x --'))
'bill.csv, column x_Cost" from x --: a custom column name must be x_ followed by letters, digits or underscores'
>>> column_problem("bill.csv", "x_Discounts") is None
True
"""

import re

from lib.core import focus
from lib.core.problems import Problem
from lib.core.sql import identifier, literal

NAME = "focus"
RENAMED = {  # older FOCUS names -> 1.2
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
CUSTOM = re.compile(r"x_[A-Za-z0-9_]{1,120}")


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
    return (f"read_csv({literal(path)}, all_varchar = true, header = true, "
            f"nullstr = ['NULL', 'null', ''])")


def load(con, path: str, view: str) -> list[Problem]:
    """Create `view` with FOCUS column names and `_row` (the data row's line number in a CSV)."""
    try:
        rel = con.execute(f"select * from {reader_sql(path)} limit 0")
    except Exception as exc:
        return [Problem(path, None, None, f"cannot read the file: {str(exc).splitlines()[0]}")]
    columns = [d[0] for d in rel.description]
    refused = [p for p in (column_problem(path, c) for c in columns) if p]
    if refused:
        return refused
    picked, seen = [], set()
    for col in columns:
        name = CANON.get(col.lower()) or (col if col.startswith("x_") else None)
        if name is None or name in seen or name in ("x_Source", "x_BillingPeriod"):
            continue
        seen.add(name)
        picked.append(f"{identifier(col)} as {identifier(name)}")
    # Line numbers: the header is line 1, so data row n is line n + 1 (Parquet: row n). A Parquet
    # reader numbers rows itself, which keeps the scan parallel; a CSV needs a window over the file.
    columns = ", ".join(picked) or "1 as _none"
    if path.lower().endswith(".parquet"):
        numbered = f"file_row_number + 1 as _row, {columns} from read_parquet({literal(path)}, file_row_number = true)"
    else:
        numbered = f"row_number() over () + 1 as _row, {columns} from {reader_sql(path)}"
    con.execute(f"create or replace temp view {view} as select {numbered}")
    return []
