"""The typed view of a normalized input: exactly the lake's columns in the lake's types, and `_row`.

A value that cannot be read becomes null here; lib.sources.ingest then names every such value
with its row and column (a null where the raw text was not empty is a problem), so nothing
unreadable reaches the lake. A file's own x_ columns are kept as one JSON object, x_ProviderExtras.

>>> typed_expr("BilledCost", "decimal(38,12)", "varchar")
'try_cast(trim(cast("BilledCost" as varchar)) as decimal(38,12)) as BilledCost'
"""

from lib.core import focus
from lib.core.sql import identifier, literal
from lib.store import tags

CATEGORY_CANON = {c.lower(): c for c in focus.CHARGE_CATEGORIES}
FREQUENCY_CANON = {c.lower(): c for c in focus.CHARGE_FREQUENCIES}


def columns(con, view: str) -> dict[str, str]:
    """A view's column names and (lower-case) types."""
    return {r[0]: r[1].lower() for r in con.execute(f"describe {view}").fetchall()}


def typed_expr(name: str, typ: str, raw_type: str | None) -> str:
    """SQL turning the raw column into the lake type (null when absent or unreadable)."""
    if raw_type is None:
        return f"cast(null as {typ}) as {name}"
    col = f'"{name}"'
    if name == "ChargeCategory":
        cases = " ".join(f"when '{k}' then '{v}'" for k, v in CATEGORY_CANON.items())
        return f"case lower(trim({col})) {cases} end as {name}"
    if name == "ChargeFrequency":
        cases = " ".join(f"when '{k}' then '{v}'" for k, v in FREQUENCY_CANON.items())
        return f"case lower(replace(trim({col}), ' ', '-')) {cases} end as {name}"
    if typ == "timestamp":
        if raw_type.startswith("timestamp") or raw_type == "date":
            return f"cast({col} as timestamp) as {name}"
        return f"cast(try_cast(trim({col}) as timestamptz) as timestamp) as {name}"
    if typ.startswith("decimal"):
        return f"try_cast(trim(cast({col} as varchar)) as {typ}) as {name}" if raw_type == "varchar" else (
            f"try_cast({col} as {typ}) as {name}"
        )
    return f"nullif(trim(cast({col} as varchar)), '') as {name}"


def typed_view(con, raw: str, typed: str, source: str) -> dict[str, str]:
    """Create view `typed` over `raw` with exactly the lake columns (plus _row); return raw's columns."""
    have = columns(con, raw)
    parts = []
    for name, typ, _ in focus.COLUMNS:
        if name == "x_Source":
            parts.append(f"{literal(source)} as x_Source")
        elif name == "x_BillingPeriod":
            parts.append("strftime(BillingPeriodStart, '%Y-%m') as x_BillingPeriod")
        elif name == "x_ProviderExtras" and name not in have:
            parts.append(extras_expr(have))
        else:
            parts.append(typed_expr(name, typ, have.get(name)))
    inner = ", ".join(["_row"] + parts[:-1])
    sql = f"create or replace temp view {typed} as select *, {parts[-1]} from (select {inner} from {raw})"
    con.execute(sql)
    return have


def extras_expr(have: dict[str, str]) -> str:
    """The input's own x_ columns as one JSON object (null when it has none, or on a row where all are null)."""
    extras = [c for c in have if c.startswith("x_") and c not in focus.NAMES and not c.startswith(tags.PREFIX)]
    if not extras:
        return "cast(null as varchar) as x_ProviderExtras"
    pairs = ", ".join(f"{literal(c)}, {identifier(c)}" for c in extras)
    present = " or ".join(f"{identifier(c)} is not null" for c in extras)
    return f"case when {present} then cast(json_object({pairs}) as varchar) end as x_ProviderExtras"
