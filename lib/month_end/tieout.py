"""The amounts a tie-out compares, per provider, billing account and currency, each from its own source.

- `invoiced`: the charges themselves (the lake files the period is read from), per invoice,
  rounded half-up as the provider bills them;
- `allocated`: the period's cells (lib.allocation.cells);
- `stated`: what the teams' statements charge (frozen at close, else as they would be issued);
- `journal_credits`: the journal's clearing credits;
and, where two of them disagree, `causes`: the lines that make the difference.

>>> acct = Account(Decimal("10.00"), Decimal("10.00"), Decimal("9.99"), Decimal("10.004"), 1)
>>> acct.invoiced                      # every charge is on an invoice
Decimal('10.00')
"""

from dataclasses import dataclass
from decimal import Decimal

from lib.config.org import UNALLOCATED
from lib.core import focus, money
from lib.month_end import closes, journal, statements
from lib.store.state import Store, state

Where = tuple[str, str, str]  # (provider, billing account, currency)

CHARGES_SQL = """
    select ProviderName, coalesce(BillingAccountId, ''), BillingCurrency, InvoiceId is not null,
           sum(BilledCost), sum({col}), count(*)
    from {source} where x_BillingPeriod = ? group by ProviderName, BillingAccountId, BillingCurrency, InvoiceId"""
CELLS_SQL = """
    select ProviderName, coalesce(BillingAccountId, ''), BillingCurrency, coalesce(sum({metric}) filter (where team <> ?), 0),
           coalesce(sum({metric}) filter (where team = ?), 0), sum({metric}_exact)
    from cells where x_BillingPeriod = ? group by all"""
NO_INVOICE_SQL = """
    select ServiceName, coalesce(SubAccountId, ''), count(*), sum(BilledCost) from {source}
    where x_BillingPeriod = ? and ProviderName = ? and coalesce(BillingAccountId, '') = ? and BillingCurrency = ?
      and InvoiceId is null group by all order by abs(sum(BilledCost)) desc, 1, 2 limit 5"""
BY_SERVICE_SQL = """
    select ServiceName, sum(v) from (
        select ServiceName, {col} as v from {source} where x_BillingPeriod = ? and ProviderName = ?
          and coalesce(BillingAccountId, '') = ? and BillingCurrency = ?
        union all
        select ServiceName, -{metric}_exact from cells where x_BillingPeriod = ? and ProviderName = ?
          and coalesce(BillingAccountId, '') = ? and BillingCurrency = ?)
    group by 1 having sum(v) <> 0 order by abs(sum(v)) desc, 1 limit 5"""


@dataclass(frozen=True)
class Account:
    """One billing account's charges in a currency: per invoice rounded half-up, then summed."""
    on_invoice: Decimal  # billed cost of the charges with an InvoiceId
    billed: Decimal  # billed cost of every charge
    value: Decimal  # every charge on the chosen cost basis: what the account's cells must add up to
    exact: Decimal  # the same before rounding
    invoices: int  # charge groups with an InvoiceId (0: the source reports none)

    @property
    def invoiced(self) -> Decimal | None:
        return self.on_invoice if self.invoices else None


def invoiced(con, source: str, period: str, metric: str) -> dict[Where, Account]:
    """Per billing account: each (invoice, or no invoice) group of charges rounded half-up, as it is billed."""
    out: dict[Where, list] = {}
    rows = con.execute(CHARGES_SQL.format(col=focus.cost_column(metric), source=source), [period]).fetchall()
    for prov, acct, cur, on_invoice, billed, value, _ in rows:
        sums = out.setdefault((prov, acct, cur), [Decimal("0.00")] * 3 + [Decimal(0), 0])
        billed, value = money.to_decimal(billed), money.to_decimal(value)
        if on_invoice:
            sums[0] += money.round_total(billed)
            sums[4] += 1
        sums[1] += money.round_total(billed)
        sums[2] += money.round_total(value)
        sums[3] += value
    return {k: Account(*v) for k, v in out.items()}


def allocated(con, period: str, metric: str) -> dict[Where, tuple[Decimal, Decimal, Decimal]]:
    """Per billing account: (cells of teams, cells of Unallocated, exact amount of the cells)."""
    rows = con.execute(CELLS_SQL.format(metric=focus.metric(metric)), [UNALLOCATED, UNALLOCATED, period]).fetchall()
    return {(p, a, c): tuple(money.to_decimal(v) for v in vals) for p, a, c, *vals in rows}


def stated(store: Store, con, period: str, metric: str) -> tuple[dict[Where, Decimal], dict[tuple[str, str], Decimal]]:
    """What the statements charge: per billing account, and per (team, currency); frozen at close."""
    record = closes.current_close(store, period)
    if record is not None and record.metric == metric:
        with state(store) as db:
            rows = db.execute("select team, provider, billing_account, currency, amount from close_totals "
                              "where close_id = ? and kind = 'charges' and team <> ?", (record.id, UNALLOCATED))
            found = [(t, p, a, c, money.round_total(Decimal(v))) for t, p, a, c, v in rows.fetchall()]
    else:
        found = [(*key, v) for key, v in closes.current_totals(con, period, metric).items() if key[0] != UNALLOCATED]
        by_team = {k: sum((li.amount for li in lines), Decimal(0))
                   for k, lines in statements.period_lines(con, period, metric).items() if k[0] != UNALLOCATED}
        return sum_by(found, (1, 2, 3)), by_team
    return sum_by(found, (1, 2, 3)), sum_by(found, (0, 3))


def sum_by(rows, fields) -> dict:
    out: dict = {}
    for r in rows:
        key = tuple(r[i] for i in fields)
        out[key] = out.get(key, Decimal(0)) + r[-1]
    return out


def journal_credits(store: Store, con, period: str, metric: str) -> dict[tuple[str, str], Decimal]:
    """(provider, currency) -> the journal's clearing credit (net of debits on clearing, for credit notes)."""
    amounts = journal.team_amounts(store, con, period, metric)
    lines = journal.entries(amounts, statements.organization(store), journal.Accounts(), period)
    return sum_by([(j.provider, j.currency, j.credit - j.debit) for j in lines if not j.team], (0, 1))


def no_invoice_causes(con, source: str, period: str, where: Where) -> list[str]:
    """The largest groups of charges without an InvoiceId in a billing account."""
    rows = con.execute(NO_INVOICE_SQL.format(source=source), [period, *where]).fetchall()
    return [f"{n} charge(s) of {service} in {sub or '-'} without an InvoiceId: {money.fmt(a, where[2])} billed"
            for service, sub, n, a in rows]


def allocation_causes(con, source: str, period: str, metric: str, where: Where) -> list[str]:
    """Services whose charges and cells differ before rounding (an allocation that lost or added cost)."""
    sql = BY_SERVICE_SQL.format(col=focus.cost_column(metric), metric=focus.metric(metric), source=source)
    rows = con.execute(sql, [period, *where, period, *where]).fetchall()
    return [f"{service}: charges exceed the allocation by {money.fmt(v, where[2], places=6)}" for service, v in rows]
