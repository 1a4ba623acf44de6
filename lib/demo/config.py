"""The demo company's org.yaml, rules.yaml and budgets, written from the catalog.

>>> "tag:team" in RULES_YAML
True
>>> "departments:" in org_yaml()
True
"""

from decimal import Decimal

import yaml

from lib.demo import catalog, opencost

# Shared costs first (so a team tag on a shared resource cannot grab it), then tags, then
# accounts and services for what carries no tag. What matches nothing stays Unallocated:
# the sandbox account, untagged spend in accounts several teams share, unknown team tags.
RULES_YAML = """\
# Acme demo allocation rules: evaluated top to bottom, the first rule whose match fits decides.
rules:
  - name: Shared Kubernetes cluster
    match: {resource_id: "arn:aws:eks:*:cluster/shared-*"}
    split: {usage: kubernetes, cluster: shared-prod, weight: cost, team: label:team}   # OpenCost's namespaces
    idle: share
  - name: AWS Support
    match: {service_name: "AWS Support*"}
    split: proportional
  - name: Commitment fees and tax
    match: {charge_category: [Purchase, Tax]}
    split: proportional
  - name: Team tag
    match: {tags.team: "*"}
    to: tag:team
  - name: Shared networking
    match: {service_category: Networking}
    split: {web: 40, api: 30, search: 20, platform: 10}
  - name: Data Platform EMR
    match: {service_name: "Amazon EMR*"}
    to: data-platform
  - name: Data lake account
    match: {sub_account_id: ["409812345603"]}
    to: data-platform
  - name: Security account
    match: {sub_account_id: ["409812345606"]}
    to: security
  - name: Shared services account
    match: {sub_account_id: ["409812345604"]}
    to: platform
  - name: BigQuery in the analytics project
    match: {sub_account_id: acme-analytics-prod, service_name: "BigQuery*"}
    to: analytics
  - name: ML research project
    match: {sub_account_id: acme-ml-research}
    to: ml-research
  - name: EU marketing subscription
    match: {sub_account_name: "re:^marketing-eu$"}
    to: campaigns
"""


def org_yaml() -> str:
    """The demo org as org.yaml text (5 departments, 20 teams, namespaces of the shared cluster)."""
    spaces = opencost.team_namespaces()
    data = {
        "name": catalog.COMPANY,
        "departments": [{"id": d, "name": n, "heads": list(h), "gl_account": gl} for d, n, h, gl in catalog.DEPARTMENTS],
        "teams": [{"id": t, "name": n, "department": d, "cost_center": cc, "aliases": list(a), "owners": list(o),
                   **({"namespaces": spaces[t]} if t in spaces else {})} for t, n, d, cc, a, o in catalog.TEAMS],
    }
    return "# Acme demo organization\n" + yaml.safe_dump(data, sort_keys=False, default_flow_style=None)


OVER_BUDGET = ("web", "analytics", "ml-research", "campaigns")  # budgeted below their plan

# A team's monthly budget: its planned usage for the whole month (growth and weekends included)
# plus headroom for its share of shared costs; a few teams get less than they plan to spend.
BUDGETS_SQL = """
with planned as (
  select w.team, a.currency, d.month_start, count(distinct d.idx) as days_seen,
    sum(w.daily * (1 + w.growth * d.idx / 365.0) * if(d.weekend, s.weekend, 1)) as amount
  from demo_workloads w join demo_accounts a on a.key = w.account join demo_services s on s.key = w.service
  cross join demo_days d where w.team is not null group by all
)
select team, strftime(month_start, '%Y-%m') as month,
  cast(round(amount / days_seen * datediff('day', month_start, month_start + interval 1 month)
       * if(list_contains(?, team), 0.9, 1.25), -1) as decimal(18,2)) as amount, currency
from planned order by team, month
"""


def budget_rows(con) -> list[tuple]:
    """(team, month, amount, currency) for every team and month of the demo window (needs the catalog)."""
    return con.execute(BUDGETS_SQL, [list(OVER_BUDGET)]).fetchall()


def rates_csv(periods: tuple[str, ...]) -> str:
    """Monthly EUR->USD rates for the demo's periods (a reporting currency for the multi-currency company)."""
    lines = ["month,from,to,rate"]
    lines += [f"{p},EUR,USD,{Decimal('1.0700') + Decimal('0.0035') * (i % 6)}" for i, p in enumerate(periods)]
    return "\n".join(lines) + "\n"
