"""Explainability: which rules (and versions) brought a team its spend, and sample charges.

>>> by_rule(con, user, "2026-10", "web", "effective")      # doctest: +SKIP
[('Team tag', 4, '', '1.000000', 'USD', Decimal('81234.55'), 18211), ('Support', 4, '', '0.412300', ...)]
>>> with_usage(store, con, user, "2026-11", "checkout", rows)   # doctest: +SKIP
[(..., 'Shared cluster', 4, '', '0.234000', 'USD', Decimal('1234.56'), 30, 'checkout, cart: 23.4% of cluster ...')]
"""

from lib.config.org import UNALLOCATED
from lib.core import access, focus
from lib.reports import spend, usage


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


def with_usage(store, con, user: access.User, period: str, team: str, rows: list[tuple]) -> list[tuple]:
    """by_rule's rows plus a last column: for a usage split, the team's share of the month's usage
    ("checkout, cart: 23.4% of cluster shared-prod cost weight on 2026-11"), also as the share."""
    # Unallocated's rows already name the namespace (or idle) each amount comes from.
    notes = {} if team == UNALLOCATED else {s.rule: s for s in usage.team_shares(store, con, user, period, team)}
    out = []
    for r in rows:
        note = notes.get(r[0])
        share = f"{note.share:.6f}" if note else r[3]
        out.append((*r[:3], share, *r[4:], note.text(period) if note else ""))
    return out
