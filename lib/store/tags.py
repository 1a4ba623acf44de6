"""Promoted tags: the tag keys that allocation rules use, kept as their own lake columns.

Tags arrive as one JSON object per charge. Reading a tag from it means parsing the JSON and
matching its key case-insensitively, which is slow to do for every charge. So an import also
writes, for each tag key the current rules use, a column x_Tag_<key> holding the tag's value,
and the lake manifest records the keys each file carries. Allocation reads those columns; for a file written before
a rule started using a key it reads the key from the JSON instead (same result, slower), until
`python -m lib tags promote` rewrites such files.

>>> column("team"), column("Cost Center")
('x_Tag_team', 'x_Tag_cost_center_e905a9')
"""

import hashlib
import re

from lib.core import focus
from lib.core.sql import identifier, literal
from lib.store.lake import lake_columns, lake_groups, parquet_source
from lib.store.state import Store

PREFIX = "x_Tag_"


def column(key: str) -> str:
    """The lake column of a (lower-cased) tag key; a key that is not a plain name gets a hash suffix."""
    slug = re.sub(r"[^a-z0-9_]", "_", key.lower())
    return PREFIX + (slug if slug == key else f"{slug}_{hashlib.sha256(key.encode()).hexdigest()[:6]}")


def alias(key: str) -> str:
    """The name a tag's value has inside the allocation SQL ("tag:<key>")."""
    return identifier("tag:" + key)


def extract(key: str, column: str = "Tags") -> str:
    """The value of a tag from the JSON text of `column` (Tags) as "tag:<key>": the key as written
    (lower case) if present, else the first key equal to it ignoring case.

    The exact key is a cheap JSON path lookup; listing the keys to compare them without case runs
    only when the text holds the key in another case.
    """
    return f"{json_value(key, column)} as {alias(key)}"


def json_value(key: str, column: str, checked: bool = True) -> str:
    """SQL for the value of `key` (lower case) in the JSON object text of `column`, key matched ignoring case.

    checked=False skips the check that the text is a JSON object, for columns written as objects (or null).
    """
    lower, plain = key.lower(), key.lower().replace('"', "")
    found = f"list_filter(json_keys({column}), k -> lower(k) = {literal(lower)})[1]"
    any_case = f"json_extract_string({column}, '$.\"' || {found} || '\"')"
    exact, quoted = literal(f'$."{plain}"'), literal(f'"{plain}"')
    value = (f"coalesce(json_extract_string({column}, {exact}), "
             f"case when contains(lower({column}), {quoted}) then {any_case} end)")
    return f"case when json_valid({column}) and json_type({column}) = 'OBJECT' then {value} end" if checked else value


def source(store: Store, files: list[str], keys: tuple[str, ...] = (), row_ids: bool = False) -> str:
    """SQL (a FROM item) reading lake files with the lake columns plus a "tag:<key>" column per key.

    A key a file does not carry is read from its Tags JSON, once per distinct Tags text. With
    row_ids, each row also names its lake file and row (`_lake_file`, `_lake_row`).
    """
    ids = ", c.filename as _lake_file, c.file_row_number as _lake_row" if row_ids else ""
    if not files:
        tags = "".join(f", cast(null as varchar) as {alias(k)}" for k in keys)
        return f"(select {lake_columns(focus.LAKE_SCHEMA, 'c.')}{tags}{ids} from {parquet_source([], row_ids)} c)"
    parts = []
    for (have, schema), group in lake_groups(store, files).items():
        read = parquet_source(group, row_ids)
        lake = lake_columns(schema, "c.") + ids
        tags = "".join(f", c.{column(k)} as {alias(k)}" if k in have else f", m.{alias(k)}" for k in keys)
        missing = [k for k in keys if k not in have]
        if missing:
            lookup = (f"(select Tags, {', '.join(extract(k) for k in missing)} "
                      f"from (select distinct Tags from {parquet_source(group)} where Tags is not null) d)")
            parts.append(f"select {lake}{tags} from {read} c left join {lookup} m on m.Tags = c.Tags")
        else:
            parts.append(f"select {lake}{tags} from {read} c")
    return "(" + " union all ".join(parts) + ")"


def promoted_sql(keys: tuple[str, ...]) -> str:
    """The select list adding an x_Tag_<key> column per key to rows that have `Tags` (for ingest)."""
    return "".join(f", {extract(k).rsplit(' as ', 1)[0]} as {column(k)}" for k in keys)
