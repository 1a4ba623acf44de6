"""The small tables the allocation SQL joins: org names, rules, split members, usage splits, namespaces.

They are built in Python from the org and the rules (tens to thousands of rows, never charges)
as Arrow tables, so both engines load them the same way (DuckDB registers them, Spark makes
DataFrames of them).

>>> sorted(small_tables(Org(), (), "a"))
['a_names', 'a_ns', 'a_r', 'a_s', 'a_teams', 'a_u']
"""

import pyarrow as pa

from lib.config.org import Org
from lib.config.rules import Rule
from lib.config.usage_split import UsageSplit
from lib.core import usage

TEXT = pa.string()


def temp_table(con, name: str, data: pa.Table) -> None:
    """A DuckDB temp table from an Arrow table, in one statement (row-by-row inserts are slow)."""
    con.register(f"{name}_arrow", data)
    try:
        con.execute(f"create or replace temp table {name} as select * from {name}_arrow")
    finally:
        con.unregister(f"{name}_arrow")


def arrow_table(columns: dict[str, pa.DataType], rows: list[tuple]) -> pa.Table:
    return pa.table({c: pa.array([r[i] for r in rows], type=t) for i, (c, t) in enumerate(columns.items())})


def org_tables(org: Org, prefix: str) -> dict[str, pa.Table]:
    """Team -> department, every lower-cased name/alias -> team, and (cluster, namespace) -> team."""
    teams, names = [(t.id, t.department) for t in org.teams], list(org.names().items())
    return {f"{prefix}_teams": arrow_table({"team": TEXT, "department": TEXT}, teams),
            f"{prefix}_names": arrow_table({"name": TEXT, "team": TEXT}, names),
            f"{prefix}_ns": arrow_table({"cluster": TEXT, "namespace": TEXT, "team": TEXT}, org.namespaces())}


def usage_rules(rules: tuple[Rule, ...]) -> list[tuple[int, UsageSplit]]:
    """(rule index, usage split) of the rules that split by usage."""
    return [(i, r.split) for i, r in enumerate(rules) if isinstance(r.split, UsageSplit)]


def label_keys(rules: tuple[Rule, ...]) -> tuple[str, ...]:
    """The namespace label keys usage splits map teams from (`team: label:<key>`)."""
    return tuple(dict.fromkeys(s.label for _, s in usage_rules(rules) if s.label))


def rule_tables(rules: tuple[Rule, ...], x: str) -> dict[str, pa.Table]:
    """(idx, name, kind, team, tag_key) per rule, (idx, kind, team, pct) per split member, and the usage splits."""
    rows, members = [], []
    for i, r in enumerate(rules):
        if r.split is None:
            rows.append((i, r.name, "tag" if r.to_tag else "to", r.to, r.to_tag))
        elif isinstance(r.split, UsageSplit):
            rows.append((i, r.name, "usage", None, None))
        else:
            rows.append((i, r.name, "split", None, None))
            if isinstance(r.split, tuple):
                members += [(i, "fixed", team, pct) for team, pct in r.split]
            else:
                members += [(i, r.split, team, None) for team in r.among] or [(i, r.split, None, None)]
    cols = {"idx": pa.int32(), "name": TEXT, "kind": TEXT, "team": TEXT, "tag_key": TEXT}
    split_cols = {"idx": pa.int32(), "kind": TEXT, "team": TEXT, "pct": pa.decimal128(38, 12)}
    usage_cols = {"idx": pa.int32(), "metric": TEXT, "cluster": TEXT, "weight": TEXT, "idle": TEXT,
                  "idle_team": TEXT, "label_key": TEXT}
    splits = [(i, s.metric, s.cluster, s.weight, s.idle if s.idle in usage.IDLE_MODES else "team",
               None if s.idle in usage.IDLE_MODES else s.idle, s.label) for i, s in usage_rules(rules)]
    return {f"{x}_r": arrow_table(cols, rows), f"{x}_s": arrow_table(split_cols, members),
            f"{x}_u": arrow_table(usage_cols, splits)}


def small_tables(org: Org, rules: tuple[Rule, ...], x: str) -> dict[str, pa.Table]:
    """Every small table the steps of `lib.allocation.engine.steps(..., x)` read."""
    return {**org_tables(org, x), **rule_tables(rules, x)}
