"""Google Cloud's FOCUS BigQuery view output, read as FOCUS with its known departures repaired.

Google's view (2024 template) writes lower-case ChargeCategory values (ingest fixes case),
Tags as an array of {key, value, ...} structs, BillingPeriodEnd as the period's last day
(inclusive) and SubAccountId as the billing account, with the project in `x_Project`.
This reader turns Tags into one JSON object, makes the end exclusive, and takes the
project as the sub-account. Recognized by the view's `x_ExportTime`/`x_Project` columns.
"""

from lib.core.problems import Problem
from lib.core.sql import identifier
from lib.sources import focus_file, native

NAME = "gcp-focus"


def sniff(columns: list[str]) -> bool:
    keys = {native.key(c) for c in columns}
    return focus_file.sniff(columns) and "xproject" in keys and "xexporttime" in keys


def _project(cols: native.Columns, part: str) -> str:
    col = "s." + identifier(cols.name("x_Project"))
    if cols.types[cols.name("x_Project")].startswith("struct"):
        return f"{col}.{part}"
    return f"json_extract_string({native.pyrepr_json(col)}, '$.{part}')"


def _tags(cols: native.Columns) -> str:
    if not cols.has("Tags"):
        return "cast(null as varchar)"
    col = "s." + identifier(cols.name("Tags"))
    text = col if cols.types[cols.name("Tags")] == "varchar" else f"to_json({col})::varchar"
    entries = f"from_json({native.pyrepr_json(text)}, '[{{\"key\": \"VARCHAR\", \"value\": \"VARCHAR\"}}]')"
    pairs = f"list_distinct(list_transform({entries}, e -> struct_pack(k := e.key, v := e.value)))"
    as_object = f"nullif(to_json(map_from_entries(list_filter({pairs}, e -> e.k is not null)))::varchar, '{{}}')"
    return f"case when starts_with(trim({text}), '[') then {as_object} else {text} end"


def load(con, path: str, view: str) -> list[Problem]:
    """Create `view` over the FOCUS reading of the file, with Google's departures repaired."""
    problems = focus_file.load(con, path, f"{view}_focus")
    if problems:
        return problems
    cols = native.source_view(con, path, f"{view}_src")
    have = {r[0] for r in con.execute(f"describe {view}_focus").fetchall()}
    end = "try_cast(f.BillingPeriodEnd as timestamp)"
    fixes = {
        "SubAccountId": f"coalesce({_project(cols, 'id')}, f.SubAccountId)" if "SubAccountId" in have
        else _project(cols, "id"),
        "SubAccountName": _project(cols, "name"),
        "Tags": _tags(cols),
    }
    if "BillingPeriodEnd" in have:  # the view's end is the last day; FOCUS ends are exclusive
        fixes["BillingPeriodEnd"] = f"case when day({end}) <> 1 then {end} + interval 1 day else {end} end"
    dropped = ", ".join(identifier(c) for c in fixes if c in have)
    added = ", ".join(f"{expr} as {name}" for name, expr in fixes.items())
    con.execute(f"create or replace temp view {view} as select f.* {f'exclude ({dropped})' if dropped else ''}, "
                f"{added} from {view}_focus f positional join {view}_src s")
    return []
