"""The allocation engine (SQL): which team pays for every charge, in set-based DuckDB SQL.

For one billing period:
1. group the period's charges by day, the reporting dimensions and the fields the rules
   mention (one scan of the lake);
2. match the rules against the *distinct* key combinations only: a CASE over the rules,
   first match wins, so rules are never evaluated per charge row;
3. assign (`to`, `to: tag:<key>`) or split through a small (rule, currency, team, share)
   table: fixed percentages, even, or proportional to each team's direct cost in the
   period (on the proportional basis, effective cost unless configured); usage splits go
   through a small (rule, day, team, share) table of measured usage (lib.allocation.weights);
4. give each split's rounding residual to its largest share, so for every period, currency
   and cost column, allocated plus Unallocated equals the bill exactly.

The same shares apply to billed, effective and list cost. Results are cached as Parquet
per (period data version, rules version, org version) under lake/derived/alloc.

`steps()` is the one definition of the allocation: plain SQL in the DuckDB dialect, using only
constructs that also transpile to Spark SQL (allocation_spark.py runs the same steps on Spark).
"""

import re
import uuid
from dataclasses import dataclass

from lib.allocation import weights
from lib.allocation.tables import small_tables, temp_table, usage_rules
from lib.config.org import UNALLOCATED, Org
from lib.config.rules import ALLOCATED_TAGS, Condition, Rule, column_of, tag_keys
from lib.core import focus
from lib.core.sql import literal
from lib.store import crypto
from lib.store import usage as usage_lake
from lib.store.tags import alias, extract

DIMS = ("ProviderName", "ServiceName", "ServiceCategory", "SubAccountId", "SubAccountName", "RegionId",
        "ChargeCategory", "ChargeFrequency",
        "BillingAccountId", "InvoiceId")  # what the invoice says: the cents of lib.allocation.cells add up per invoice
RESOURCE_DIMS = DIMS + ("ResourceId", "ResourceName", "SkuId")  # drill-down and statements, per month (direct charges)
GRAINS = {"day": "cast(c.ChargePeriodStart as date)",  # the ChargeDate of a result row
          "month": "cast(date_trunc('month', c.ChargePeriodStart) as date)"}
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


def _field_sql(field: str) -> str:
    if field.startswith(ALLOCATED_TAGS):  # read from the JSON once per distinct key, like any match field
        return extract(field[len(ALLOCATED_TAGS):], "AllocatedTags").rsplit(" as ", 1)[0]
    return alias(field[5:]) if field.startswith("tags.") else focus.SNAKE_TO_COLUMN[field]


def _condition_sql(cond: Condition) -> tuple[str, list]:
    col, parts, params = _field_sql(cond.field), [], []
    for p in cond.patterns:
        if p == "*":
            parts.append(f"{col} is not null")
        elif p.startswith("re:") or any(ch in p for ch in "*?["):
            parts.append(f"regexp_matches({col}, ?)")
            params.append(p[3:] if p.startswith("re:") else glob_regex(p))
        else:
            parts.append(f"{col} = ?")
            params.append(p)
    return "(" + " or ".join(parts) + ")", params


def glob_regex(pattern: str) -> str:
    """A glob (`*`, `?`, `[...]`, `[!...]`) as an anchored regex both engines read the same way.

    >>> glob_regex("AWS Support*")
    '(?s)^AWS Support.*$'
    """
    def one(t: str) -> str:
        if len(t) > 1:  # a [...] class
            return "[^" + t[2:] if t.startswith("[!") else t
        return ".*" if t == "*" else "." if t == "?" else "\\" + t if t in "\\.^$|?*+()[]{}" else t
    return "(?s)^" + "".join(one(t) for t in re.findall(r"\[!?[^\]]+\]|.", pattern, re.S)) + "$"


def plan(rules: tuple[Rule, ...]) -> Plan:
    fields, whens, params = [], [], []
    for i, rule in enumerate(rules):
        conds = []
        for cond in rule.match:
            if column_of(cond.field):
                fields.append(column_of(cond.field))
            sql, p = _condition_sql(cond)
            conds.append(sql)
            params += p
        whens.append(f"when {' and '.join(conds)} then {i}")
    case = f"case {' '.join(whens)} end" if whens else "cast(null as integer)"
    keep = [f for f in dict.fromkeys(fields) if f not in DIMS]
    return Plan(tuple(keep), tag_keys(rules), case, tuple(params))


@dataclass(frozen=True)
class Step:
    """One table of the allocation: `sql` is a select (DuckDB dialect, Spark-transpilable)."""
    name: str
    sql: str
    params: tuple = ()


def _group_steps(source_sql: str, period: str, p: Plan, rules, x: str, dims, grain: str) -> list[Step]:
    """{x}_k (the period's distinct match keys, each with its rule) and {x}_gk (charges summed per rule and team).

    Rules are evaluated once per distinct key, never per charge; the one scan of the charges joins the
    small key table and aggregates straight to the output grain.
    """
    match_cols, on = key_join(p, rules)
    distinct = ", ".join(match_cols) or "1 as _one"
    tag_value = " ".join(f"when {i} then {alias(r.to_tag)}" for i, r in enumerate(rules) if r.to_tag)
    tag_value = f"case rule_idx {tag_value} end" if tag_value else "cast(null as varchar)"
    no_rule = NO_RULES if not rules else NO_RULE
    # Rule, team and reason are resolved per distinct key here; the charges only join and sum.
    k = (f"select m.*, r.name as rule, r.kind, "
         f"case when r.kind = 'to' then r.team when r.kind = 'tag' then n.team end as team, "
         f"case when m.rule_idx is null then '{no_rule}' "
         f"when r.kind = 'tag' and n.team is null then '{UNKNOWN_TAG} ' || r.tag_key || ': ' "
         f"|| coalesce(m.tag_value, '') end as reason from ("
         f"select *, {tag_value} as tag_value from ("
         f"select *, {p.case_sql} as rule_idx from ("
         f"select distinct {distinct} from {source_sql} where x_BillingPeriod = ?) t) u) m "
         f"left join {x}_r r on r.idx = m.rule_idx "
         f"left join {x}_names n on r.kind = 'tag' and n.name = lower(trim(m.tag_value))")
    # Dimensions finer than DIMS (resources) are kept for charges a rule gives to one team; a split
    # keeps its rule and coarse dimensions only, since each of its rows is repeated once per team.
    cols = [f"c.{d}" if d in DIMS else f"case when k.kind in ('split', 'usage') then null else c.{d} end as {d}"
            for d in dims]
    day = GRAINS[grain]
    if grain != "day" and usage_rules(rules):  # usage weighs each day: those rows stay daily until the result
        day = f"case when k.kind = 'usage' then {GRAINS['day']} else {day} end"
    gk = (f"select c.BillingCurrency, {day} as ChargeDate, "
          f"{', '.join(cols)}, k.rule_idx, k.rule, k.kind, k.team, k.reason, "
          f"sum(c.BilledCost) as billed, sum(c.EffectiveCost) as effective, "
          f"sum(coalesce(c.ListCost, c.BilledCost)) as list, count(*) as charges "
          f"from {source_sql} c join {x}_k k on {on} where c.x_BillingPeriod = ? group by all")
    return [Step(f"{x}_k", k, (*p.params, period)), Step(f"{x}_gk", gk, (period,))]


def key_join(p: Plan, rules) -> tuple[list[str], str]:
    """The match key columns, and the condition joining charges `c` to their key `k` in {x}_k."""
    match_cols = [*dict.fromkeys([*p.key_fields, *_dims_in_rules(rules)]), *(alias(k) for k in p.tag_keys)]
    # Equality on coalesced values keeps this a hash join; ingest turns empty text into null, so '' is free.
    return match_cols, " and ".join(f"coalesce(c.{col}, '') = coalesce(k.{col}, '')" for col in match_cols) or "true"


def _dims_in_rules(rules) -> list[str]:
    cols = [column_of(c.field) for r in rules for c in r.match if column_of(c.field)]
    return [c for c in cols if c in DIMS]


def _shares_sql(x: str, basis: str) -> str:
    """{x}_sh (rule_idx, currency, team, share): split shares per rule and currency, summing to 1."""
    return f"""
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
            from cand c left join direct d on d.BillingCurrency = c.BillingCurrency and d.team = c.team),
        totals as (
            select *, sum(weight) over (partition by rule_idx, BillingCurrency) as total
            from weighted where weight > 0)
        select *, row_number() over (partition by rule_idx, BillingCurrency order by share desc, team) as rk from (
            select rule_idx, BillingCurrency, team,
                   cast(cast(weight as double) / cast(total as double) as decimal(18,12)) as share
            from totals where total > 0) s"""


def _result_sql(x: str, period: str, rules_version: int, group_cols: list[str], dim_cols=DIMS,
                usage: bool = False, grain: str = "day") -> str:
    """The allocation of the period at (day, team, rule, dims) grain, residuals to the largest share.

    `rk` comes with each share (1: the largest of its set), so no split row is ranked again here.
    """
    dims = ", ".join(dim_cols)
    group = ", ".join(group_cols)
    # round() first: the cast of an exact 12-decimal value is about twice as fast as a rounding cast
    # The effective and list parts equal the billed part wherever the costs are equal (most lines): one product.
    billed = "cast(round(g_billed * share, 12) as decimal(38,12))"
    amounts = f"{billed} as billed, " + ", ".join(
        f"case when g_{c} = g_billed then {billed} else cast(round(g_{c} * share, 12) as decimal(38,12)) end as {c}"
        for c in ("effective", "list"))
    fix = ", ".join(f"case when rk = 1 then {c} + (g_{c} - sum({c}) over (partition by {group})) else {c} end as {c}"
                    for c in ("billed", "effective", "list"))
    keep = (f"{', '.join(f'g.{c}' for c in group_cols)}, g.rule, s.team, s.share, s.rk, {{reason}} as reason, "
            f"g.billed as g_billed, g.effective as g_effective, g.list as g_list, g.charges")
    joined = (f"select {keep.format(reason='cast(null as varchar)')} from gk g join {x}_sh s "
              f"on s.rule_idx = g.rule_idx and s.BillingCurrency = g.BillingCurrency where g.kind = 'split'")
    if usage:  # usage shares are per day, the same in every currency
        joined += (f" union all select {keep.format(reason='s.reason')} from gk g join {x}_ush s "
                   f"on s.rule_idx = g.rule_idx and s.ChargeDate = g.ChargeDate where g.kind = 'usage'")
    day = "cast(date_trunc('month', ChargeDate) as date)" if grain == "month" else "ChargeDate"
    return f"""
        with has_share as (select distinct rule_idx, BillingCurrency from {x}_sh),
        gk as (
            select g.*, h.rule_idx is not null as shared from {x}_gk g
            left join has_share h on h.rule_idx = g.rule_idx and h.BillingCurrency = g.BillingCurrency),
        parts as (select *, {amounts} from ({joined}) j),
        split as (
            select BillingCurrency, ChargeDate, {dims}, rule, team, share, reason, charges, {fix} from parts),
        rest as (
            select BillingCurrency, ChargeDate, {dims}, rule, team, cast(1 as decimal(18,12)) as share,
                   case when kind = 'split' and not shared then '{ZERO_BASE}' else reason end as reason,
                   charges, billed, effective, list
            from gk g where (kind is distinct from 'split' and kind is distinct from 'usage')
                            or (kind = 'split' and not shared)),
        both_ as (select * from split union all select * from rest)
        select {literal(period)} as x_BillingPeriod, {day} as ChargeDate, BillingCurrency,
               coalesce(b.team, '{UNALLOCATED}') as team, coalesce(t.department, '{UNALLOCATED}') as department,
               b.rule, {int(rules_version)} as rules_version, b.reason, b.share, {dims}, {_totals(grain)}
        from both_ b left join {x}_teams t on t.team = b.team
        {"group by all" if grain != "day" else ""}"""


def _totals(grain: str) -> str:
    """The result's amounts. At day grain each row of both_ is already one (day, team, rule, reason, share,
    dims) row, so it is only typed; a month grain sums the days of usage-split rows together."""
    if grain == "day":
        return ("cast(billed as decimal(38,12)) as billed, cast(effective as decimal(38,12)) as effective, "
                "cast(list as decimal(38,12)) as list, cast(charges as bigint) as charges")
    return ("sum(billed) as billed, sum(effective) as effective, sum(list) as list, "
            "cast(sum(charges) as bigint) as charges")


def steps(source_sql: str, period: str, rules: tuple[Rule, ...], rules_version: int, x: str,
          basis: str = "effective", dims: tuple[str, ...] = DIMS, grain: str = "day",
          usage_sql: str | None = None) -> list[Step]:
    """The allocation of one period as SQL steps; each reads earlier ones, the last is the result.

    They also read the small tables of `tables.small_tables(org, rules, x)`. Besides the lake
    columns, `source_sql` has a "tag:<key>" column for each of `tag_keys(rules)`: promoted lake
    columns or values read from the JSON `Tags` (lib.store.tags.source). `usage_sql` reads the
    period's usage (lib.store.usage.source, with a "label:<key>" column per `tables.label_keys`);
    only usage splits read it. These two FROM items are the engine-specific pieces.
    """
    if basis not in focus.METRICS:
        raise ValueError(f"unknown proportional basis {basis!r}")
    p, usage = plan(rules), bool(usage_rules(rules))
    group_cols = ["BillingCurrency", "ChargeDate", *dims, "rule_idx"]  # one split group of gk
    out = [*_group_steps(source_sql, period, p, rules, x, dims, grain), Step(f"{x}_sh", _shares_sql(x, basis))]
    if usage:
        out += [Step(f"{x}_uk", weights.key_weights_sql(usage_sql or usage_lake.source([]), rules, x, False),
                     (period,)),
                Step(f"{x}_ush", weights.shares_sql(x))]
    return [*out, Step("result", _result_sql(x, period, rules_version, group_cols, dims, usage, grain))]


def allocate(con, source_sql: str, period: str, rules: tuple[Rule, ...], org: Org, rules_version: int,
             out_path: str, basis: str = "effective", dims: tuple[str, ...] = DIMS, grain: str = "day",
             usage_sql: str | None = None) -> None:
    """Allocate one billing period of `source_sql` (a FROM clause over lake rows) and write Parquet.

    `basis` (billed, effective or list) weighs proportional splits; the shares then apply to every cost column.
    `dims` are the columns the result keeps (more dims, e.g. ResourceId, give a finer grain for drill-down);
    `grain` is day or month (one ChargeDate per month: far fewer rows at resource grain).
    """
    x = "a_" + uuid.uuid4().hex[:10]
    todo = steps(source_sql, period, rules, rules_version, x, basis, dims, grain, usage_sql)
    tables = small_tables(org, rules, x)
    try:
        for name, data in tables.items():
            temp_table(con, name, data)
        for step in todo[:-1]:
            con.execute(f"create or replace temp table {step.name} as {step.sql}", list(step.params))
        options = crypto.parquet_write_options(con)
        con.execute(f"copy ({todo[-1].sql}) to {literal(out_path)} (format parquet, compression zstd{options})")
    finally:
        for name in [*tables, *(s.name for s in todo[:-1])]:
            con.execute(f"drop table if exists {name}")
