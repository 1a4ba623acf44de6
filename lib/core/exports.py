"""Tables leaving Costbook as CSV: UTF-8 with a header, safe against formula injection.

A spreadsheet runs a cell that starts with =, +, -, @, tab or carriage return as a formula;
such text cells get a leading apostrophe. Numbers are written as plain numbers.

>>> safe_cell("=HYPERLINK(...)")
"'=HYPERLINK(...)"
>>> safe_cell(-12)
-12
"""

import csv
import io
from decimal import Decimal

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def to_csv_bytes(frame) -> bytes:
    """A DataFrame as safe CSV; Decimal amounts are written exactly as they are."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(frame.columns))
    for row in frame.itertuples(index=False):
        writer.writerow([safe_cell(v) if not isinstance(v, Decimal) else format(v, "f") for v in row])
    return out.getvalue().encode("utf-8")
