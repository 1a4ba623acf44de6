"""The allocation engine (SQL): which team pays for every charge, in set-based DuckDB SQL.

For one billing period:
1. group the period's charges by day, the reporting dimensions and the fields the rules
   mention (one scan of the lake);
2. match the rules against the *distinct* key combinations only: a CASE over the rules,
   first match wins, so rules are never evaluated per charge row;
3. assign (`to`, `to: tag:<key>`) or split through a small (rule, currency, team, share)
   table: fixed percentages, even, or proportional to each team's direct cost in the
   period (on the proportional basis, effective cost unless configured);
4. give each split's rounding residual to its largest share, so for every period, currency
   and cost column, allocated plus Unallocated equals the bill exactly.

The same shares apply to billed, effective and list cost. Results are cached as Parquet
per (period data version, rules version, org version) under lake/derived/alloc.
"""

import uuid
from dataclasses import dataclass

import pyarrow as pa

from lib import crypto, focus
from lib.org import UNALLOCATED, Org
from lib.rules import Condition, Rule

DIMS = ("ProviderName", "ServiceName", "ServiceCategory", "SubAccountId", "SubAccountName", "RegionId",
        "ChargeCategory", "ChargeFrequency")
COSTS = {"billed": "BilledCost", "effective": "EffectiveCost", "list": "coalesce(ListCost, BilledCost)"}
NO_RULE = "no rule matched"
UNKNOWN_TAG = "unknown team in tag"
ZERO_BASE = "zero proportional base"
NO_RULES = "no rules defined"


@dataclass(frozen=True)
class Plan:
    """The rules turned into SQL pieces: key columns, the CASE that picks a rule, its parameters."""
    key_fields: tuple[str, ...]  # FOCUS columns the rules mention
    tag_keys: tuple[str, ...]  # lower-cased tag keys the rules mention
    case_sql: str
    params: tuple


def _tag_col(key: str) -> str:
    return '"tag:' + key.replace('"', "") + '"'


def _field_sql(field: str) -> str:
    return _tag_col(field[5:]) if field.startswith("tags.") else focus.SNAKE_TO_COLUMN[field]


def _condition_sql(cond: Condition) -> tuple[str, list]:
    col, parts, params = _field_sql(cond.field), [], []
    for p in cond.patterns:
        if p == "*":
            parts.append(f"{col} is not null")
        elif p.startswith("re:"):
            parts.append(f"regexp_matches({col}, ?)")
            params.append(p[3:])
        elif any(ch in p for ch in "*?["):
            parts.append(f"{col} glob ?")
            params.append(p)
        else:
            parts.append(f"{col} = ?")
            params.append(p)
    return "(" + " or ".join(parts) + ")", params


def plan(rules: tuple[Rule, ...]) -> Plan:
    fields, tags, whens, params = [], [], [], []
    for i, rule in enumerate(rules):
        conds = []
        for cond in rule.match:
            if cond.field.startswith("tags."):
                tags.append(cond.field[5:])
            else:
                fields.append(focus.SNAKE_TO_COLUMN[cond.field])
            sql, p = _condition_sql(cond)
            conds.append(sql)
            params += p
        whens.append(f"when {' and '.join(conds)} then {i}")
        if rule.to_tag:
            tags.append(rule.to_tag)
    case = f"case {' '.join(whens)} end" if whens else "cast(null as integer)"
    keep = [f for f in dict.fromkeys(fields) if f not in DIMS]
    return Plan(tuple(keep), tuple(dict.fromkeys(tags)), case, tuple(params))


def _tag_extract(key: str) -> str:
    """The value of a tag, its key matched case-insensitively (Tags is one JSON object)."""
    lit = key.replace("'", "''")
    found = f"list_filter(json_keys(Tags), k -> lower(k) = '{lit}')[1]"
    return (f"case when json_valid(Tags) and json_type(Tags) = 'OBJECT' then "
            f"json_extract_string(Tags, '$.\"' || {found} || '\"') end as {_tag_col(key)}")


def small_table(con, name: str, columns: dict[str, pa.DataType], rows: list[tuple]) -> None:
    """A temp table from Python rows in one statement (row-by-row inserts are slow in DuckDB)."""
    data = pa.table({c: pa.array([r[i] for r in rows], type=t) for i, (c, t) in enumerate(columns.items())})
    con.register(f"{name}_arrow", data)
    try:
        con.execute(f"create or replace temp table {name} as select * from {name}_arrow")
    finally:
        con.unregister(f"{name}_arrow")


def load_org_tables(con, org: Org, prefix: str) -> None:
    """Small tables for the org: team -> department, and every lower-cased name/alias -> team."""
    text = pa.string()
    small_table(con, f"{prefix}_teams", {"team": text, "department": text}, [(t.id, t.department) for t in org.teams])
    small_table(con, f"{prefix}_names", {"name": text, "team": text}, list(org.names().items()))


def _rule_tables(con, rules: tuple[Rule, ...], x: str) -> None:
    """(idx, name, kind, team, tag_key) per rule and (idx, kind, team, pct) per split member."""
    rows, members = [], []
    for i, r in enumerate(rules):
        if r.split is None:
            rows.append((i, r.name, "tag" if r.to_tag else "to", r.to, r.to_tag))
            continue
        rows.append((i, r.name, "split", None, None))
        if isinstance(r.split, tuple):
            members += [(i, "fixed", team, pct) for team, pct in r.split]
        else:
            members += [(i, r.split, team, None) for team in r.among] or [(i, r.split, None, None)]
    text = pa.string()
    small_table(con, f"{x}_r", {"idx": pa.int32(), "name": text, "kind": text, "team": text, "tag_key": text}, rows)
    small_table(con, f"{x}_s", {"idx": pa.int32(), "kind": text, "team": text, "pct": pa.decimal128(38, 12)},
                members)


def _group_and_match(con, source_sql: str, period: str, p: Plan, rules, x: str, dims=DIMS) -> list[str]:
    """Temp tables {x}_g (grouped charges) and {x}_gk (each group with its rule and team)."""
    match_cols = [c for c in dict.fromkeys([*p.key_fields, *_dims_in_rules(rules)])]
    if p.tag_keys:
        match_cols.append("Tags")
    keys = "".join(f", {c}" for c in p.key_fields if c not in dims) + (", Tags" if p.tag_keys else "")
    con.execute(
        f"create or replace temp table {x}_g as select row_number() over () as gid, * from ("
        f"select BillingCurrency, cast(ChargePeriodStart as date) as ChargeDate, {', '.join(dims)}{keys}, "
        f"sum(BilledCost) as billed, sum(EffectiveCost) as effective, sum({COSTS['list']}) as list, "
        f"count(*) as charges from {source_sql} where x_BillingPeriod = ? group by all)", [period])
    distinct = ", ".join(match_cols) or "1 as _one"
    tags = "".join(f", {_tag_extract(k)}" for k in p.tag_keys)
    tag_value = " ".join(f"when {i} then {_tag_col(r.to_tag)}" for i, r in enumerate(rules) if r.to_tag)
    tag_value = f"case rule_idx {tag_value} end" if tag_value else "cast(null as varchar)"
    con.execute(
        f"create or replace temp table {x}_k as select *, {tag_value} as tag_value from ("
        f"select *, {p.case_sql} as rule_idx from (select *{tags} from (select distinct {distinct} from {x}_g)))",
        list(p.params))
    # Equality on coalesced values keeps this a hash join; ingest turns empty text into null, so '' is free.
    on = " and ".join(f"coalesce(g.{c}, '') = coalesce(k.{c}, '')" for c in match_cols) or "true"
    no_rule = NO_RULES if not rules else NO_RULE
    con.execute(
        f"create or replace temp table {x}_gk as select g.*, k.rule_idx, r.name as rule, r.kind, "
        f"case when r.kind = 'to' then r.team when r.kind = 'tag' then n.team end as team, "
        f"case when k.rule_idx is null then '{no_rule}' "
        f"when r.kind = 'tag' and n.team is null then '{UNKNOWN_TAG} ' || r.tag_key || ': ' "
        f"|| coalesce(k.tag_value, '') end as reason "
        f"from {x}_g g join {x}_k k on {on} left join {x}_r r on r.idx = k.rule_idx "
        f"left join {x}_names n on r.kind = 'tag' and n.name = lower(trim(k.tag_value))")
    return match_cols


def _dims_in_rules(rules) -> list[str]:
    cols = [focus.SNAKE_TO_COLUMN[c.field] for r in rules for c in r.match if not c.field.startswith("tags.")]
    return [c for c in cols if c in DIMS]


def _shares(con, x: str, basis: str) -> None:
    """{x}_sh (rule_idx, currency, team, share): split shares per rule and currency, summing to 1."""
    con.execute(f"""
        create or replace temp table {x}_sh as
        with direct as (
            select BillingCurrency, team, sum({basis}) as w from {x}_gk
            where kind in ('to', 'tag') and team is not null group by all),
        needed as (select distinct rule_idx, BillingCurrency from {x}_gk where kind = 'split'),
        cand as (
            select n.rule_idx, n.BillingCurrency, s.team, s.kind, s.pct
            from needed n join {x}_s s on s.idx = n.rule_idx where s.team is not null
            union all
            select n.rule_idx, n.BillingCurrency, d.team, s.kind, null
            from needed n join {x}_s s on s.idx = n.rule_idx and s.team is null
            join direct d on d.BillingCurrency = n.BillingCurrency),
        weighted as (
            select c.rule_idx, c.BillingCurrency, c.team,
                   case c.kind when 'fixed' then c.pct when 'even' then 1
                        else greatest(coalesce(d.w, 0), 0) end as weight
            from cand c left join direct d on d.BillingCurrency = c.BillingCurrency and d.team = c.team)
        select rule_idx, BillingCurrency, team,
               cast(cast(weight as double) / sum(weight) over (partition by rule_idx, BillingCurrency)
                    as decimal(18,12)) as share
        from weighted where weight > 0
        qualify sum(weight) over (partition by rule_idx, BillingCurrency) > 0""")


def _result_sql(con, x: str, period: str, rules_version: int, dim_cols=DIMS) -> str:
    """The allocation of the period at (day, team, rule, dims) grain, residuals to the largest share."""
    dims = ", ".join(dim_cols)
    g_dims = ", ".join(f"g.{d}" for d in dim_cols)
    amounts = ", ".join(f"cast(g.{c} * s.share as decimal(38,12)) as {c}" for c in ("billed", "effective", "list"))
    fix = ", ".join(f"case when rk = 1 then {c} + (g_{c} - sum({c}) over (partition by gid)) else {c} end as {c}"
                    for c in ("billed", "effective", "list"))
    return f"""
        with parts as (
            select g.gid, g.BillingCurrency, g.ChargeDate, {g_dims}, g.rule, s.team, s.share,
                   g.billed as g_billed, g.effective as g_effective, g.list as g_list, g.charges, {amounts},
                   row_number() over (partition by g.gid order by s.share desc, s.team) as rk
            from {x}_gk g join {x}_sh s on s.rule_idx = g.rule_idx and s.BillingCurrency = g.BillingCurrency
            where g.kind = 'split'),
        split as (
            select BillingCurrency, ChargeDate, {dims}, rule, team, share, cast(null as varchar) as reason,
                   charges, {fix} from parts),
        rest as (
            select BillingCurrency, ChargeDate, {dims}, rule, team,
                   cast(1 as decimal(18,12)) as share,
                   case when kind = 'split' and not exists (select 1 from {x}_sh s where s.rule_idx = g.rule_idx
                        and s.BillingCurrency = g.BillingCurrency) then '{ZERO_BASE}' else reason end as reason,
                   charges, billed, effective, list
            from {x}_gk g
            where kind is distinct from 'split' or not exists (select 1 from {x}_sh s
                  where s.rule_idx = g.rule_idx and s.BillingCurrency = g.BillingCurrency)),
        both_ as (select * from split union all by name select * from rest)
        select '{period}' as x_BillingPeriod, ChargeDate, BillingCurrency,
               coalesce(b.team, '{UNALLOCATED}') as team, coalesce(t.department, '{UNALLOCATED}') as department,
               b.rule, {int(rules_version)} as rules_version, b.reason, b.share, {dims},
               sum(billed) as billed, sum(effective) as effective, sum(list) as list,
               cast(sum(charges) as bigint) as charges
        from both_ b left join {x}_teams t on t.team = b.team
        group by all"""


def allocate(con, source_sql: str, period: str, rules: tuple[Rule, ...], org: Org, rules_version: int,
             out_path: str, basis: str = "effective", dims: tuple[str, ...] = DIMS) -> None:
    """Allocate one billing period of `source_sql` (a FROM clause over lake rows) and write Parquet.

    `basis` (billed, effective or list) weighs proportional splits; the shares then apply to every cost column.
    `dims` are the columns the result keeps (more dims, e.g. ResourceId, give a finer grain for drill-down).
    """
    if basis not in COSTS:
        raise ValueError(f"unknown proportional basis {basis!r}")
    x = "a_" + uuid.uuid4().hex[:10]
    load_org_tables(con, org, x)
    _rule_tables(con, rules, x)
    p = plan(rules)
    _group_and_match(con, source_sql, period, p, rules, x, dims)
    _shares(con, x, basis)
    sql = _result_sql(con, x, period, rules_version, dims)
    try:
        con.execute(f"copy ({sql}) to '{out_path}' (format parquet, compression zstd{crypto.parquet_write_options(con)})")
    finally:
        for t in ("teams", "names", "r", "s", "g", "k", "gk", "sh"):
            con.execute(f"drop table if exists {x}_{t}")
