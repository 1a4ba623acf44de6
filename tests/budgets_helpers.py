"""Budget test data: an `allocated`-shaped table from a few daily series, and a budget CSV."""

from datetime import date, timedelta

TEAM_DEPT = {"web": "engineering", "search": "engineering", "data-platform": "data"}


def daily(team: str, first: str, amounts, currency: str = "USD", billed=None) -> list[tuple]:
    """(day, team, department, currency, effective, billed) rows, one per amount, from `first` on.

    billed: amounts for BilledCost (default: the same as the effective amounts).
    """
    start = date.fromisoformat(first)
    billed = billed or amounts
    return [((start + timedelta(days=i)).isoformat(), team, TEAM_DEPT.get(team, "Unallocated"), currency,
             str(a), str(b)) for i, (a, b) in enumerate(zip(amounts, billed, strict=True))]


def allocated_table(con, rows: list[tuple], name: str = "alloc_test") -> str:
    """A table with the columns of the `allocated` view, holding the given daily rows."""
    con.execute(f"""create or replace table {name} (
        x_BillingPeriod varchar, ChargeDate date, BillingCurrency varchar, team varchar, department varchar,
        rule varchar, rules_version integer, reason varchar, share decimal(18,12), ProviderName varchar,
        ServiceName varchar, ServiceCategory varchar, SubAccountId varchar, SubAccountName varchar,
        RegionId varchar, ChargeCategory varchar, ChargeFrequency varchar, BillingAccountId varchar,
        InvoiceId varchar, billed decimal(38,12), effective decimal(38,12), list decimal(38,12), charges bigint)""")
    con.executemany(
        f"insert into {name} values (strftime(cast(? as date), '%Y-%m'), ?, ?, ?, ?, 'Team tag', 1, null, 1, "
        "'AWS', 'Amazon EC2', 'Compute', 'acct-1', 'Main', 'us-east-1', 'Usage', 'Usage-Based', 'payer-1', "
        "'INV-' || strftime(cast(? as date), '%Y-%m'), ?, ?, ?, 1)",
        [(day, day, cur, team, dept, day, billed, eff, eff) for day, team, dept, cur, eff, billed in rows])
    return name
