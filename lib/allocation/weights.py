"""Usage weights: the small per-(rule, day, team) share table of the usage splits, in SQL.

Two steps of the allocation (lib.allocation.engine.steps), read the usage lake of the period:
- `{x}_uk`: per usage rule, day and usage key (namespace, or a generic metric's key) the weight
  and the team it goes to, or the reason it goes nowhere: `namespace sandbox (cluster prod) has no
  team`, `idle of cluster prod` (the allocation itself groups per team and reason only). Idle
  follows the rule's `idle:`; with share it is left out, so
  the namespaces' weights cover it. OpenCost prices idle but measures no hours on it, so for
  cpu/memory/gpu weights its hours are its cost at the cluster-day's average price per hour.
  Weights below zero (OpenCost's idle can be) count as zero.
- `{x}_ush`: for each (rule, day) that has charges, each team's share of the day's weights;
  of the month's weights when the day has none; Unallocated "no usage data" when the month has
  none either. Shares add up to 1 per (rule, day); the engine's residual step keeps cents exact.

Both are plain SQL in the DuckDB dialect that also transpiles to Spark SQL.

>>> "ChargeDate" in key_weights_sql("usage_src", (), "a")
True
"""

from lib.allocation.tables import usage_rules
from lib.core import usage
from lib.store.usage import label_alias

NO_USAGE = "no usage data"
K8S, IDLE = usage.KUBERNETES, usage.IDLE


def _label_value(rules) -> str:
    cases = " ".join(f"when {i} then u.{label_alias(s.label)}" for i, s in usage_rules(rules) if s.label)
    return f"case r.idx {cases} end" if cases else "cast(null as varchar)"


def key_weights_sql(usage_sql: str, rules, x: str, by_key: bool = True) -> str:
    """{x}_uk (rule_idx, ChargeDate, cluster, usage_key, team, reason, weight); one `?`: the period.

    by_key=False leaves out cluster and usage_key (all the shares need; fewer groups to form).
    """
    weight = " ".join(f"when '{k}' then u.{c}" for k, c in usage.WEIGHTS.items())
    cost = " ".join(f"when '{k}' then u.{c}" for k, c in usage.WEIGHT_COSTS.items())
    idle = f"(u.Metric = '{K8S}' and u.UsageKey = '{IDLE}')"
    team = "coalesce(nl.team, nc.team, na.team)"
    keys = "w.cluster, w.usage_key, " if by_key else ""
    return f"""
        with u as (
            select r.idx as rule_idx, r.metric, r.idle_team, r.label_key, u.UsageDate as ChargeDate,
                   u.Cluster as cluster, u.UsageKey as usage_key, {idle} as is_idle,
                   {_label_value(rules)} as label_value,
                   cast(case r.weight {weight} else u.Quantity end as double) as w,
                   cast(case r.weight {cost} end as double) as wc
            from {usage_sql} u join {x}_u r on r.metric = u.Metric and r.cluster = coalesce(u.Cluster, '')
            where u.x_UsagePeriod = ? and not ({idle} and r.idle = 'share')),
        priced as (
            select rule_idx, ChargeDate, sum(coalesce(w, 0)) as ns_w, sum(coalesce(wc, 0)) as ns_wc
            from u where not is_idle group by all),
        weighted as (
            select u.*, greatest(coalesce(case when u.is_idle and u.wc is not null then
                       case when p.ns_wc > 0 then u.wc * p.ns_w / p.ns_wc else 0 end else u.w end, 0), 0) as weight
            from u left join priced p on p.rule_idx = u.rule_idx and p.ChargeDate = u.ChargeDate)
        select w.rule_idx, w.ChargeDate, {keys}
               case when w.is_idle then w.idle_team when w.metric = '{K8S}' then {team} else nk.team end as team,
               case when w.is_idle then case when w.idle_team is null then 'idle of cluster ' || w.cluster end
                    when w.metric = '{K8S}' then case when {team} is null then
                         'namespace ' || w.usage_key || ' (cluster ' || w.cluster || ')'
                         || case when w.label_value is null then ' has no team'
                                 else ': unknown team in label ' || w.label_key || ': ' || w.label_value end end
                    when nk.team is null then 'usage key ' || w.usage_key || ' (' || w.metric || ') names no team'
               end as reason,
               sum(w.weight) as weight
        from weighted w
        left join {x}_names nl on nl.name = lower(trim(w.label_value))
        left join {x}_ns nc on nc.cluster = w.cluster and nc.namespace = w.usage_key
        left join {x}_ns na on na.cluster = '' and na.namespace = w.usage_key
        left join {x}_names nk on nk.name = lower(trim(w.usage_key))
        group by all"""


def shares_sql(x: str) -> str:
    """{x}_ush (rule_idx, ChargeDate, team, reason, basis, share, rk) for every (rule, day) of usage-split charges;
    rk 1 is the largest share, the one that takes a split's rounding residual."""
    return f"""
        with uw as (
            select rule_idx, ChargeDate, team, reason, sum(weight) as w from {x}_uk where weight > 0 group by all),
        days as (select rule_idx, ChargeDate, sum(w) as total from uw group by all),
        months as (select rule_idx, team, reason, sum(w) as w from uw group by all),
        month_totals as (select rule_idx, sum(w) as total from months group by all),
        needed as (select distinct rule_idx, ChargeDate from {x}_gk where kind = 'usage'),
        picked as (
            select n.rule_idx, n.ChargeDate, d.total as day_total, m.total as month_total from needed n
            left join days d on d.rule_idx = n.rule_idx and d.ChargeDate = n.ChargeDate
            left join month_totals m on m.rule_idx = n.rule_idx),
        shares as (
            select p.rule_idx, p.ChargeDate, u.team, u.reason, 'day' as basis,
                   cast(u.w / p.day_total as decimal(18,12)) as share
            from picked p join uw u on u.rule_idx = p.rule_idx and u.ChargeDate = p.ChargeDate
            union all
            select p.rule_idx, p.ChargeDate, m.team, m.reason, 'month' as basis,
                   cast(m.w / p.month_total as decimal(18,12)) as share
            from picked p join months m on m.rule_idx = p.rule_idx where p.day_total is null
            union all
            select rule_idx, ChargeDate, cast(null as varchar) as team, '{NO_USAGE}' as reason, 'none' as basis,
                   cast(1 as decimal(18,12)) as share
            from picked where day_total is null and month_total is null)
        select *, row_number() over (partition by rule_idx, ChargeDate
                                     order by share desc, coalesce(team, ''), coalesce(reason, '')) as rk
        from shares"""
