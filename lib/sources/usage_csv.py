"""A generic usage CSV: any measured usage per day and key, to split a shared cost by.

    date,metric,key,quantity,unit
    2026-11-01,queries,analytics,1200,count
    2026-11-01,queries,ml-research,300,count

`key` names the team (its id or an alias in org.yaml); a rule `split: {usage: queries}` then
weighs a charge by each key's quantity on the charge's day. Column names are matched
ignoring case; `unit` may be empty, but one metric has one unit. The metric `kubernetes` is
OpenCost's (import that with --format opencost).

>>> sniff(["Date", "Metric", "Key", "Quantity", "Unit"])
True
"""

from lib.core import usage
from lib.core.problems import Problem
from lib.core.sql import identifier, literal

NAME = "usage"
COLUMNS = {"date": "UsageDate", "metric": "Metric", "key": "UsageKey", "quantity": "Quantity", "unit": "Unit"}


def sniff(columns: list[str]) -> bool:
    return {"date", "metric", "key", "quantity"} <= {c.strip().lower() for c in columns}


def load(con, path: str, view: str, cluster: str | None = None) -> list[Problem]:
    """Create `view` with usage columns and `_row` (the line number: the header is line 1)."""
    name = path.rsplit("/", 1)[-1]
    reader = f"read_csv({literal(path)}, all_varchar = true, header = true)"
    try:
        have = [d[0] for d in con.execute(f"select * from {reader} limit 0").description]
    except Exception as exc:
        return [Problem(name, None, None, f"cannot read the file: {str(exc).splitlines()[0]}")]
    found = {c.strip().lower(): c for c in have}
    missing = [Problem(name, None, c, "column of a usage CSV is missing") for c in COLUMNS if c not in found
               and c != "unit"]
    if missing:
        return missing
    picked = ", ".join(f"{identifier(found[c])} as {target}" for c, target in COLUMNS.items() if c in found)
    con.execute(f"create or replace temp view {view} as select row_number() over () + 1 as _row, {picked} "
                f"from {reader}")
    rows = con.execute(f"select _row from {view} where lower(trim(Metric)) = ? order by 1 limit 20",
                       [usage.KUBERNETES]).fetchall()
    return [Problem(name, r[0], "metric", "'kubernetes' is the metric of OpenCost data: import that with "
                                          "--format opencost, or name this metric differently") for r in rows]
