"""Explainability: which rules (and versions) brought a team its spend, and sample charges.

>>> by_rule(con, user, "2026-10", "web", "effective")      # doctest: +SKIP
[('Team tag', 4, '', '1.000000', 'USD', '81234.55', 18211), ('Support', 4, '', '0.412300', ...)]
"""

from lib.core import access, focus
from lib.core.money import round_lines
from lib.reports import spend


def by_rule(con, user: access.User, period: str, team: str, metric: str = "effective") -> list[tuple]:
    """(rule, version, reason, share, currency, amount, charges) for a team, amounts rounded per currency."""
    where, params = spend.scope_sql(user)
    rows = con.execute(
        f"select coalesce(rule, ''), rules_version, coalesce(reason, ''), "
        f"case when min(share) = max(share) then cast(round(min(share), 6) as varchar) else 'varies' end, "
        f"BillingCurrency, sum({focus.metric(metric)}), sum(charges) from allocated "
        f"where {where} and team = ? and x_BillingPeriod = ? group by 1, 2, 3, 5 order by 5, 6 desc",
        params + [team, period]).fetchall()
    out = []
    for cur in dict.fromkeys(r[4] for r in rows):
        group = [r for r in rows if r[4] == cur]
        out += [(*r[:5], f"{a:.2f}", int(r[6])) for r, a in zip(group, round_lines([r[5] for r in group]))]
    return out
