"""Tables leaving Costbook as CSV: UTF-8 with a header, safe against formula injection.

A spreadsheet runs a cell that starts with =, +, -, @, tab or carriage return as a formula;
such text cells get a leading apostrophe. Numbers (Decimal, int) are written as plain numbers,
exactly. Every CSV Costbook writes (pages, CLI, statements, journal, audit, budgets) goes
through `safe_cell`, so there is one rule.

>>> safe_cell("=HYPERLINK(...)"), safe_cell("-12"), safe_cell(Decimal("-12.50")), safe_cell(None)
("'=HYPERLINK(...)", "'-12", '-12.50', '')
>>> csv_text(["team", "amount"], [["web", Decimal("1.10")]])
'team,amount\\nweb,1.10\\n'
"""

import csv
import io
from decimal import Decimal

from lib.core.sql import literal

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A value as a CSV cell: exact numbers as they are, text that a spreadsheet would run quoted."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        text = str(value)
        return "'" + text if text.startswith(DANGEROUS) else text
    return value


def safe_sql(expr: str) -> str:
    """safe_cell as SQL, for CSV that DuckDB writes itself (COPY ... TO): a text cell a spreadsheet would
    run gets the apostrophe in the query.

    >>> safe_sql("Tags")[:46]
    "case when left(Tags, 1) in ('=', '+', '-', '@'"
    """
    starts = ", ".join(literal(c) for c in DANGEROUS)
    return f"case when left({expr}, 1) in ({starts}) then '''' || {expr} else {expr} end"


def write_csv(stream, header, rows) -> None:
    """Write a header and rows to a text stream, every cell through safe_cell."""
    out = csv.writer(stream, lineterminator="\n")
    out.writerow([safe_cell(h) for h in header])
    out.writerows([safe_cell(v) for v in row] for row in rows)


def csv_text(header, rows) -> str:
    buf = io.StringIO()
    write_csv(buf, header, rows)
    return buf.getvalue()


def to_csv_bytes(frame) -> bytes:
    """A DataFrame as safe CSV bytes; Decimal amounts are written exactly as they are."""
    return csv_text(list(frame.columns), frame.itertuples(index=False)).encode("utf-8")
