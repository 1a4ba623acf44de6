"""Build an `allocated` table (the shape lib.allocation.cache produces) from hand-written daily costs."""

from datetime import date, timedelta
from decimal import Decimal

import duckdb

START = date(2025, 1, 6)  # a Monday

COLUMNS = """x_BillingPeriod varchar, ChargeDate date, BillingCurrency varchar, team varchar, department varchar,
rule varchar, rules_version integer, reason varchar, share decimal(18,12), ProviderName varchar,
ServiceName varchar, ServiceCategory varchar, SubAccountId varchar, SubAccountName varchar, RegionId varchar,
ChargeCategory varchar, ChargeFrequency varchar, billed decimal(38,12), effective decimal(38,12),
list decimal(38,12), charges bigint"""


CHARGES = """ChargePeriodStart timestamp, ServiceName varchar, SubAccountId varchar, RegionId varchar,
ResourceId varchar, SkuId varchar, ChargeCategory varchar, ChargeFrequency varchar, BilledCost decimal(38,12),
EffectiveCost decimal(38,12), ListCost decimal(38,12)"""


def new_allocated(con=None):
    """A connection with an empty `allocated` table and the `charges` columns root cause reads."""
    con = con or duckdb.connect()
    con.execute(f"create or replace table allocated ({COLUMNS})")
    con.execute(f"create or replace table charges ({CHARGES})")
    return con


def add(con, team: str, values, service: str = "Amazon EC2", department: str = "eng", account: str = "111",
        region: str = "us-east-1", category: str = "Usage", frequency: str = "Usage-Based",
        start: date = START, currency: str = "USD", resource: str | None = None) -> None:
    """One row per day from `start`: values[i] is the cost of day start + i (None = no row that day).

    The charges behind it are one resource per row (`resource`, default '<service>-<account>').
    """
    rows, charges = [], []
    for i, v in enumerate(values):
        if v is None:
            continue
        day = start + timedelta(days=i)
        amount = Decimal(str(round(v, 6)))
        rows.append((day.strftime("%Y-%m"), day, currency, team, department, "r", 1, None, Decimal(1), "AWS",
                     service, "Compute", account, f"acct {account}", region, category, frequency,
                     amount, amount, amount, 1))
        charges.append((day, service, account, region, resource or f"{service}-{account}", "sku-1", category,
                        frequency, amount, amount, amount))
    if rows:
        con.executemany(f"insert into allocated values ({', '.join(['?'] * 21)})", rows)
        con.executemany(f"insert into charges values ({', '.join(['?'] * 11)})", charges)


def weekly(weeks: int, weekday: float, weekend: float) -> list[float]:
    """A flat weekly rhythm starting on a Monday."""
    return [weekend if i % 7 >= 5 else weekday for i in range(weeks * 7)]


def wobble(values: list[float], pct: float = 0.03) -> list[float]:
    """Deterministic noise of +-pct so spreads are not zero."""
    pattern = (0.0, 1.0, -0.6, 0.4, -1.0, 0.7, -0.3, 0.9, -0.8, 0.2, -0.4)
    return [v * (1 + pct * pattern[i % len(pattern)]) for i, v in enumerate(values)]


BILL_START = date(2026, 6, 1)  # a Monday
BILL_DAYS = 112
BILL_SPIKES = {"web": [(80, 3000), (94, 2500)], "search": [(105, 1800)]}


def _bill_cost(team: str, i: int) -> str:
    base = (900 if team == "web" else 600) * (0.35 if i % 7 >= 5 else 1) * (1 + 0.04 * ((i * 7) % 5 - 2) / 2)
    return f"{base + sum(extra for d, extra in BILL_SPIKES[team] if d == i):.2f}"


def copy_of_daily_bill(factory, tmp_path):
    """A store holding the conftest org and rules and the daily bill: built once per session, copied per test."""
    import shutil

    from lib.config import versions
    from lib.core import access
    from lib.store.state import open_store
    from tests.conftest import ORG, RULES

    template = factory.getbasetemp() / "anomalies-daily-bill"
    if not template.exists():
        store = open_store(template / "data")
        assert versions.save_org(store, ORG, access.CLI, "test org")[1] == []
        assert versions.save_rules(store, RULES, access.CLI, "test rules")[1] == []
        import_daily_bill(store, template)
    shutil.copytree(template / "data", tmp_path / "data")
    return open_store(tmp_path / "data")


def import_daily_bill(store, tmp_path):
    """16 weeks of daily EC2 for web and S3 for search (team tags), spikes on BILL_SPIKES days."""
    from tests.bill import charge
    from tests.conftest import load_bill

    rows = [charge(team, "Amazon EC2" if team == "web" else "Amazon S3", _bill_cost(team, i),
                   day=(BILL_START + timedelta(days=i)).isoformat(), SubAccountId=f"acct-{team}")
            for i in range(BILL_DAYS) for team in ("web", "search")]
    load_bill(store, tmp_path, rows)
    return store
