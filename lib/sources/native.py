"""Reading providers' own export files: column lookup, number checks and tag shapes, in SQL.

A native normalizer reads a file once into a source view (every column as the provider
wrote it, plus `_row`), then selects FOCUS columns from it with one SQL mapping. This
module holds the pieces those mappings share.

>>> cols = Columns({"lineItem/UnblendedCost": "varchar"})
>>> print(cols.get("line_item_unblended_cost"))
nullif(trim("lineItem/UnblendedCost"), '')
"""

import re
from pathlib import Path

from lib.core.problems import Problem
from lib.core.sql import identifier, literal
from lib.sources.focus_file import reader_sql

LOOKUPS = Path(__file__).parent / "lookups"


def key(name: str) -> str:
    """A column name without case or separators: 'lineItem/UnblendedCost' == 'line_item_unblended_cost'."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


class Columns:
    """The columns of a source view, found by `key` (case and separators ignored)."""

    def __init__(self, types: dict[str, str]):
        self.types = types
        self.by_key = {}
        for name in types:
            self.by_key.setdefault(key(name), name)

    def name(self, *candidates: str) -> str | None:
        for cand in candidates:
            if key(cand) in self.by_key:
                return self.by_key[key(cand)]
        return None

    def has(self, *candidates: str) -> bool:
        return self.name(*candidates) is not None

    def get(self, *candidates: str, default: str = "null") -> str:
        """SQL for the first candidate column present (empty text reads as null), else `default`."""
        name = self.name(*candidates)
        if name is None:
            return default
        if self.types[name] == "varchar":
            return f"nullif(trim({identifier(name)}), '')"
        return identifier(name)

    def num(self, *candidates: str, default: str = "null") -> str:
        """The column as an exact decimal (null when absent or empty)."""
        expr = self.get(*candidates)
        return default if expr == "null" else f"try_cast({expr} as decimal(38,12))"

    def with_prefix(self, prefix: str) -> list[str]:
        """Names of the columns whose key starts with key(prefix), e.g. every resourceTags/... column."""
        return [n for k, n in self.by_key.items() if k.startswith(key(prefix)) and k != key(prefix)]


def source_view(con, path: str, view: str) -> Columns:
    """Create `view` = every column of the file plus `_row` (the line a person finds); return its columns.

    Parquet rows are numbered by the reader (streaming); CSV rows need a window, which is
    fine at CSV sizes but would hold a whole 10M-row Parquet file in memory.
    """
    if path.lower().endswith(".parquet"):
        source = (f"select file_row_number + 1 as _row, * exclude (file_row_number) "
                  f"from read_parquet({literal(path)}, file_row_number = true)")
    else:
        source = f"select row_number() over () + 1 as _row, * from {reader_sql(path)}"
    con.execute(f"create or replace temp view {view} as {source}")
    types = {r[0]: r[1].lower() for r in con.execute(f"describe {view}").fetchall() if r[0] != "_row"}
    return Columns(types)


def header(con, path: str) -> list[str]:
    return [d[0] for d in con.execute(f"select * from {reader_sql(path)} limit 0").description]


def open_export(con, path: str, view: str, sniff, not_this: str, money: list[str]) -> tuple[Columns | None, list[Problem]]:
    """The opening every native normalizer shares: read the file into `view`, check it is this
    provider's layout (`sniff`, else `not_this` as the problem) and that its money columns read as numbers.
    """
    try:
        cols = source_view(con, path, view)
    except Exception as exc:
        return None, [Problem(path, None, None, f"cannot read the file: {str(exc).splitlines()[0]}")]
    if not sniff(list(cols.types)):
        return None, [Problem(path, None, None, not_this)]
    return cols, bad_numbers(con, path, view, cols, money)


def bad_numbers(con, file: str, view: str, cols: Columns, names: list[str]) -> list[Problem]:
    """Rows where a money or quantity column holds text that is not a number, by row and column."""
    present = [cols.name(n) for n in names if cols.has(n)]
    present = [n for n in dict.fromkeys(present) if cols.types[n] == "varchar"]
    if not present:
        return []
    checks = ", ".join(
        f"case when nullif(trim({identifier(n)}), '') is not null and try_cast(trim({identifier(n)}) as decimal(38,12)) "
        f"is null then {literal(n)} end" for n in present)
    rows = con.execute(
        f"select _row, unnest(bad) from (select _row, list_filter([{checks}], x -> x is not null) as bad "
        f"from {view}) where len(bad) > 0 order by 1 limit 50").fetchall()
    return [Problem(file, int(row), col, "not a number") for row, col in rows]


def tags_from_columns(pairs: list[tuple[str, str]]) -> str:
    """SQL for a JSON object from (tag key, SQL value) pairs, leaving out empty values; null if none."""
    if not pairs:
        return "cast(null as varchar)"
    entries = ", ".join(f"struct_pack(k := {literal(k)}, v := cast({v} as varchar))" for k, v in pairs)
    kept = f"list_filter([{entries}], x -> nullif(trim(x.v), '') is not null)"
    return f"case when len({kept}) > 0 then to_json(map_from_entries({kept}))::varchar end"


def tags_from_map(json_text: str, strip_prefix: str = "", trusted: bool = False) -> str:
    """SQL for a tags JSON object from JSON-object text (e.g. to_json of a MAP); keys lose `strip_prefix`.

    The prefix is removed by text replaces anchored on `{"` and `,"`: inside a JSON string a
    quote is always escaped, so those patterns only ever start a key. Text on purpose: list
    lambdas over 10M maps cost seconds of CPU, two replaces cost little. `trusted` skips the
    JSON check for text DuckDB itself wrote (to_json).
    """
    text = json_text if trusted else f"cast(json({json_text}) as varchar)"
    if strip_prefix:
        first, later = literal('{"' + strip_prefix), literal(',"' + strip_prefix)
        text = f"replace(replace({text}, {first}, '{{\"'), {later}, ',\"')"
    return f"nullif(nullif({text}, '{{}}'), 'null')"


def pyrepr_json(expr: str) -> str:
    """SQL turning a Python-repr list/dict (as pandas writes nested fields to CSV) into JSON text."""
    return (f"replace(replace(replace(replace({expr}, '''', '\"'), ': None', ': null'), ': True', ': true'), "
            f"': False', ': false')")


def category_join(provider: str, service_sql: str, table: str = "service_category", alias: str = "_svc") -> str:
    """A LEFT JOIN of the provider's (service -> FOCUS ServiceCategory) table: select `<alias>_category`.

    A join, not a correlated subquery: DuckDB answers the latter by buffering the whole
    file (gigabytes at 10M rows); a hash join of this small table streams.
    """
    path = LOOKUPS / f"{provider}_{table}.csv"
    lookup = (f"(select lower(column0) as {alias}_key, any_value(column1) as {alias}_category "
              f"from read_csv({literal(str(path))}, header = true, all_varchar = true, "
              f"columns = {{'column0': 'varchar', 'column1': 'varchar'}}) group by 1)")
    return f"left join {lookup} {alias} on {alias}.{alias}_key = lower({service_sql})"
