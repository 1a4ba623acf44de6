"""Explainability: which rules (and versions) brought a team its spend, and sample charges.

>>> by_rule(con, user, "2026-10", "web", "effective")      # doctest: +SKIP
[('Team tag', 4, '', '1.000000', 'USD', Decimal('81234.55'), 18211), ('Support', 4, '', '0.412300', ...)]
"""

from lib.core import access, focus
from lib.reports import spend


def by_rule(con, user: access.User, period: str, team: str, metric: str = "effective") -> list[tuple]:
    """(rule, version, reason, share, currency, amount, charges) for a team; amounts are sums of its cells."""
    where, params = spend.scope_sql(user)
    rows = con.execute(
        f"select coalesce(rule, ''), rules_version, coalesce(reason, ''), "
        f"case when count(share) = count(*) and min(share) = max(share) then cast(round(min(share), 6) as varchar) "
        f"else 'varies' end, BillingCurrency, sum({focus.metric(metric)}), sum(charges) from cells "
        f"where {where} and team = ? and x_BillingPeriod = ? group by 1, 2, 3, 5 order by 5, 6 desc, 1",
        params + [team, period]).fetchall()
    return [(*r[:6], int(r[6])) for r in rows]
