"""A small hand-computed bill for the statement, journal and close tests.

October 2026, AWS in USD (invoice INV-AWS-2610) and Azure in EUR (no InvoiceId):

    web     EC2 (account 111111111111 "shop-prod")      120.004   direct, tag team=web
    search  EC2 (account 111111111111 "shop-prod")       60.003   direct, tag team=search
    shared  VPC (Networking, account 222222222222)        30.00    split web 60 / search 40
    nobody  S3 (account 222222222222 "shared-svc")         7.50    no tag -> Unallocated
    platform Virtual Machines (sub-azure-1 "data-sub")    80.00 EUR direct

September 2026: web 100.00, search 50.00, platform 70.00 EUR.
"""

import csv
from pathlib import Path

from lib.config.versions import save_org, save_rules
from lib.core import access
from lib.month_end.statements import prepare
from lib.sources.files import import_files

ORG = """
name: Example Corp
departments:
  - {id: engineering, name: Engineering, heads: [dana], gl_account: "6100"}
  - {id: data, name: Data, heads: [dora], gl_account: "6200"}
teams:
  - {id: web, name: Web, department: engineering, cost_center: "CC-101", owners: [wes]}
  - {id: search, name: Search, department: engineering, cost_center: "CC-102"}
  - {id: platform, name: Platform, department: data, cost_center: "CC-201"}
"""

FIELDS = ["BillingAccountId", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart",
          "ChargePeriodEnd", "ChargeCategory", "ChargeFrequency", "ProviderName", "ServiceName", "ServiceCategory",
          "SubAccountId", "SubAccountName", "RegionId", "BilledCost", "EffectiveCost", "ListCost", "InvoiceId",
          "ResourceId", "Tags"]


def charge(period, day, provider, account, cur, service, category, sub, sub_name, cost, team=None, invoice=None,
           resource=""):
    nxt = f"{int(period[:4]) + (period[5:] == '12'):04d}-{int(period[5:]) % 12 + 1:02d}"
    return {"BillingAccountId": account, "BillingCurrency": cur, "BillingPeriodStart": f"{period}-01T00:00:00Z",
            "BillingPeriodEnd": f"{nxt}-01T00:00:00Z", "ChargePeriodStart": f"{period}-{day:02d}T00:00:00Z",
            "ChargePeriodEnd": f"{period}-{day + 1:02d}T00:00:00Z", "ChargeCategory": "Usage",
            "ChargeFrequency": "Usage-Based", "ProviderName": provider, "ServiceName": service,
            "ServiceCategory": category, "SubAccountId": sub, "SubAccountName": sub_name, "RegionId": "eu-west-1",
            "BilledCost": cost, "EffectiveCost": cost, "ListCost": cost, "InvoiceId": invoice or "",
            "ResourceId": resource, "Tags": '{"team": "%s"}' % team if team else "{}"}


def october(web="120.004"):
    aws = dict(provider="AWS", account="acme-payer", cur="USD", invoice="INV-AWS-2610")
    return [
        charge("2026-10", 3, **aws, service="Amazon EC2", category="Compute", sub="111111111111",
               sub_name="shop-prod", cost=web, team="web", resource="i-web-1"),
        charge("2026-10", 4, **aws, service="Amazon EC2", category="Compute", sub="111111111111",
               sub_name="shop-prod", cost="60.003", team="search", resource="i-search-1"),
        charge("2026-10", 5, **aws, service="Amazon VPC", category="Networking", sub="222222222222",
               sub_name="shared-svc", cost="30.00"),
        charge("2026-10", 6, **aws, service="Amazon S3", category="Storage", sub="222222222222",
               sub_name="shared-svc", cost="7.50"),
        charge("2026-10", 7, "Microsoft", "azure-ea-1", "EUR", "Virtual Machines", "Compute", "sub-azure-1",
               "data-sub", "80.00", team="platform"),
    ]


def september():
    aws = dict(provider="AWS", account="acme-payer", cur="USD", invoice="INV-AWS-2609")
    return [
        charge("2026-09", 3, **aws, service="Amazon EC2", category="Compute", sub="111111111111",
               sub_name="shop-prod", cost="100.00", team="web"),
        charge("2026-09", 4, **aws, service="Amazon EC2", category="Compute", sub="111111111111",
               sub_name="shop-prod", cost="50.00", team="search"),
        charge("2026-09", 7, "Microsoft", "azure-ea-1", "EUR", "Virtual Machines", "Compute", "sub-azure-1",
               "data-sub", "70.00", team="platform"),
    ]


def write_bill(path: Path, rows) -> Path:
    with open(path, "w", newline="") as f:
        out = csv.DictWriter(f, FIELDS)
        out.writeheader()
        out.writerows(rows)
    return path


def load_bill(store, con, tmp_path: Path, rows, name="bill.csv"):
    result = import_files(store, con, [str(write_bill(tmp_path / name, rows))], source="focus")
    assert result.ok, result.problems
    return result


RULES = """
rules:
  - name: Team tag
    match: {tags.team: "*"}
    to: tag:team
  - name: Shared networking
    match: {service_category: Networking}
    split: {web: 60, search: 40}
"""


def setup_company(store, con, tmp_path: Path):
    """Org, rules and the September + October bill, loaded through the real import path."""
    assert save_org(store, ORG, access.CLI, "setup")[1] == []
    assert save_rules(store, RULES, access.CLI, "statement tests")[1] == []
    load_bill(store, con, tmp_path, september() + october())
    return prepare(store, con)
