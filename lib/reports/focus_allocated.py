"""The allocated bill per charge, as rows a FOCUS export reads: one row per team share of every charge.

For each billing period it reads what the allocation of that period reads (lib.allocation.cache:
the pinned files, rules and org of a closed month, else the current ones), runs the engine's
decision steps into temp tables (lib.allocation.per_charge) and returns one query over all the
periods; the charges stream through it, only the small decision tables are materialized.

>>> with allocated_rows(store, con, ["2026-10"]) as sql:      # doctest: +SKIP
...     con.execute(f"select team, sum(EffectiveCost) from {sql} group by 1").fetchall()
"""

import json
import uuid
from contextlib import contextmanager

import pyarrow as pa

from lib.allocation import cache, per_charge, tables
from lib.config.rules import tag_keys
from lib.store import tags


class NotAllocated(Exception):
    """A period whose stored org or rules version no longer parses (args: the problems)."""


# The lake file (run-<run>-<n>) and row of a charge: the same for every row split from it.
CHARGE_ID = "regexp_extract(_lake_file, '(run-[0-9]+-[0-9]+)[.]parquet$', 1) || ':' || cast(_lake_row as varchar)"


def _period(store, con, period: str, x: str) -> tuple[str, list, list[str]]:
    """(SQL of the period's rows, its parameters, the temp tables it reads)."""
    inp = cache.inputs(store, period)
    org, rules, problems = cache.parsed(inp)
    if problems:
        raise NotAllocated(problems)
    source = tags.source(store, list(inp.files), tag_keys(rules), row_ids=True)
    todo = per_charge.charge_steps(source, period, rules, inp.rules_version, x, inp.basis, cache.usage_for(inp, rules))
    info = tables.arrow_table({"team": pa.string(), "name": pa.string(), "cost_center": pa.string(),
                               "tags": pa.string()},
                              [(t.id, t.name, t.cost_center or None, team_tags(t)) for t in org.teams])
    small = {**tables.small_tables(org, rules, x), f"{x}_info": info}
    made = []
    try:
        for name, data in small.items():
            tables.temp_table(con, name, data)
            made.append(name)
        for step in todo[:-1]:
            con.execute(f"create or replace temp table {step.name} as {step.sql}", list(step.params))
            made.append(step.name)
        con.execute(f"drop table {x}_gk")  # only the shares needed it: the charges join the keys and shares
    except Exception:
        _drop(con, made)
        raise
    last = todo[-1]
    sql = (f"select r.*, {CHARGE_ID} as _charge_id, i.name as _team_name, i.cost_center as _cost_center, "
           f"i.tags as _team_tags from ({last.sql}) r left join {x}_info i on i.team = r.team")
    return sql, list(last.params), made


def team_tags(team) -> str:
    """The AllocatedTags of a team's rows, made once per team rather than per row."""
    return json.dumps({"costbook/team": team.id, "costbook/department": team.department}, separators=(",", ":"))


def _drop(con, names: list[str]) -> None:
    for name in names:
        con.execute(f"drop table if exists {name}")


@contextmanager
def allocated_rows(store, con, periods: list[str], done=None):
    """A FROM item (and its parameters) of every charge of the periods, one row per team share.

    Yields (sql, params); the temp tables behind it are dropped on leaving the block. done(i, message)
    hears of each period prepared. Raises
    NotAllocated with the problems when a period's stored org or rules no longer parse.
    """
    parts, params, made = [], [], []
    try:
        for i, period in enumerate(periods):
            sql, p, tables = _period(store, con, period, "e_" + uuid.uuid4().hex[:10])
            if done:
                done(i, f"{period}: allocation decisions made")
            parts.append(sql)
            params += p
            made += tables
        yield "(" + " union all by name ".join(parts) + ")", params
    finally:
        _drop(con, made)
