"""The allocation per charge: one row per team share of every charge, for exports at the charge's grain.

The allocation engine (lib.allocation.engine) works on charges grouped by day and dimensions;
an export that keeps each charge (FOCUS --allocated) needs the same decisions per charge. These
steps reuse the engine's: its rule per distinct match key, its (rule, currency, team, share)
table and its usage shares per (rule, day, team), joined back to the charges in one set-based
query. No rule is evaluated here.

>>> split_amount("BilledCost")[:40]
'case when share = 1 then BilledCost when'
"""

from lib.allocation.engine import UNALLOCATED, ZERO_BASE, Step, key_join, plan, steps
from lib.allocation.tables import usage_rules
from lib.config.rules import Rule

NO_DAY = "date '1970-01-01'"  # the day key of a split's shares (they hold for the whole period)


def charge_steps(source_sql: str, period: str, rules: tuple[Rule, ...], rules_version: int, x: str,
                 basis: str = "effective", usage_sql: str | None = None) -> list[Step]:
    """The allocation of one period per charge, for exports at the charge's grain (FOCUS --allocated).

    The steps of `steps()` decide, unchanged: the rule of every distinct key ({x}_k), the split shares
    ({x}_sh, weighed by the period's direct costs in {x}_gk) and the usage shares per day ({x}_ush, from
    `usage_sql`). The last step joins each charge of `source_sql` back to its key and, for a split, to its
    shares (a usage split's of the charge's day): one row per team. Besides the source's columns a row has
    team, department, rule, rules_version, reason, share (the ratio of the charge the row carries; the
    largest share takes the rounding residual, so a charge's ratios add up to exactly 1), top (the row of
    the largest share) and others (the charge's other shares: the top row's amount is the charge minus the
    others' parts, so the rows add up exactly to the charge, as in `steps()`).
    """
    # The shares depend on the period's team totals only: {x}_gk at month grain and one dimension is enough
    # (usage-split rows stay daily in it).
    head = steps(source_sql, period, rules, rules_version, x, basis, dims=("ProviderName",), grain="month",
                 usage_sql=usage_sql)[:-1]
    _, on = key_join(plan(rules), rules)
    ratio = "decimal(18,12)"
    # One pool of share sets: a split's per currency, a usage split's per day (the other key is a constant).
    pool = (f"select rule_idx, BillingCurrency, {NO_DAY} as ChargeDate, team, cast(null as varchar) as reason, "
            f"share, rk from {x}_sh")
    if usage_rules(rules):
        pool += f" union all select rule_idx, '', ChargeDate, team, reason, share, rk from {x}_ush"
    sql = f"""
        with ranked as (select *, rk = 1 as top from ({pool}) p),
        others as (
            select rule_idx, BillingCurrency, ChargeDate,
                   coalesce(list(share order by rk) filter (where not top), cast([] as {ratio}[])) as others
            from ranked group by all),
        shares as (
            select r.rule_idx, r.BillingCurrency, r.ChargeDate, r.team, r.reason, r.top,
                   case when r.top then o.others else cast([] as {ratio}[]) end as others,
                   case when r.top then cast(1 - coalesce(list_sum(o.others), 0) as {ratio}) else r.share end as share
            from ranked r join others o
              on o.rule_idx = r.rule_idx and o.BillingCurrency = r.BillingCurrency and o.ChargeDate = r.ChargeDate)
        select c.*, coalesce(s.team, k.team, '{UNALLOCATED}') as team,
               coalesce(t.department, '{UNALLOCATED}') as department, k.rule, {int(rules_version)} as rules_version,
               case when k.kind = 'split' and s.rule_idx is null then '{ZERO_BASE}'
                    when k.kind = 'usage' then s.reason else k.reason end as reason,
               coalesce(s.share, cast(1 as {ratio})) as share, coalesce(s.top, true) as top,
               coalesce(s.others, cast([] as {ratio}[])) as others
        from {source_sql} c join {x}_k k on {on}
        left join shares s on k.kind in ('split', 'usage') and s.rule_idx = k.rule_idx
             and s.BillingCurrency = case when k.kind = 'split' then c.BillingCurrency else '' end
             and s.ChargeDate = case when k.kind = 'usage' then cast(c.ChargePeriodStart as date) else {NO_DAY} end
        left join {x}_teams t on t.team = coalesce(s.team, k.team)
        where c.x_BillingPeriod = ?"""
    return [*head, Step("charges", sql, (period,))]


def split_amount(expr: str) -> str:
    """SQL of a row's part of a charge's amount (a row of `charge_steps`): the share's part, cut to the
    lake's 12 decimals, and for the top row the charge minus the other rows' parts.

    A charge that is not split (share 1) is its amount; splits of up to three teams are written out,
    larger ones sum the others' parts over the list (the same numbers, about five times slower).
    """
    def part(share: str) -> str:  # round first: the same number as the cast alone, in about half the time
        return f"cast(round(({expr}) * {share}, 12) as decimal(38,12))"

    unrolled = " ".join(f"when len(others) = {n} then ({expr}) - " + " - ".join(part(f"others[{i}]") for i in
                                                                                range(1, n + 1)) for n in (1, 2))
    return (f"case when share = 1 then {expr} when not top then {part('share')} {unrolled} "
            f"else ({expr}) - coalesce(list_sum(list_transform(others, s -> {part('s')})), 0) end")
