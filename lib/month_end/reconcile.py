"""Reconciliation: prove that what was charged back equals what the providers invoiced.

Three links, each per provider and currency (the first also per billing account):
invoiced (InvoiceId sums, billed cost) = ingested; ingested = allocated + Unallocated on the
chosen cost basis, exactly; allocated to teams = the statements issued, up to the cents that
rounding each statement moves. Every difference is listed with its amount.

>>> result = reconcile(store, con, user, "2026-10")      # doctest: +SKIP
>>> result.passed, [str(d) for d in result.differences]   # doctest: +SKIP
(True, [])
"""

from dataclasses import dataclass
from decimal import Decimal

from lib.allocation import cache
from lib.config.org import UNALLOCATED
from lib.core import access, focus, money
from lib.month_end import closes
from lib.store.lake import lake_source
from lib.store.state import Store, state

HALF_CENT = Decimal("0.005")


@dataclass(frozen=True)
class Row:
    provider: str
    billing_account: str  # '' on the provider-level rows
    currency: str
    invoiced: Decimal | None  # None when the source reports no InvoiceId
    ingested_billed: Decimal
    ingested: Decimal  # on the chosen cost basis
    allocated: Decimal | None  # provider-level rows only
    unallocated: Decimal | None
    statements: Decimal | None  # currency-level: the sum of the issued statement totals


@dataclass(frozen=True)
class Difference:
    provider: str
    billing_account: str
    currency: str
    check: str
    amount: Decimal
    blocking: bool = True

    def __str__(self) -> str:
        where = " / ".join(x for x in (self.provider, self.billing_account, self.currency) if x)
        kind = "" if self.blocking else " (allowed)"
        return f"{where}: {self.check}: difference {money.fmt(self.amount, self.currency)}{kind}"


@dataclass(frozen=True)
class Freshness:
    source: str
    last_refresh: str
    data_through: str


@dataclass(frozen=True)
class Reconciliation:
    period: str
    metric: str
    rows: tuple[Row, ...]
    differences: tuple[Difference, ...]
    freshness: tuple[Freshness, ...]

    @property
    def passed(self) -> bool:
        return bool(self.rows) and not any(d.blocking for d in self.differences)

    def as_rows(self) -> list[dict]:
        return [r.__dict__ for r in self.rows] + [{"difference": str(d)} for d in self.differences]


ACCOUNTS_SQL = """
    select ProviderName, BillingAccountId, BillingCurrency,
           sum(BilledCost) filter (where InvoiceId is not null), count(InvoiceId), sum(BilledCost), sum({col})
    from {source} where x_BillingPeriod = ? group by all order by 1, 2, 3"""
ALLOCATED_SQL = """
    select ProviderName, BillingCurrency, sum({metric}) filter (where team <> ?), sum({metric}) filter (where team = ?)
    from allocated where x_BillingPeriod = ? group by all order by 1, 2"""
TEAMS_SQL = """
    select team, BillingCurrency, sum({metric}) from allocated
    where x_BillingPeriod = ? and team <> ? group by all order by 1, 2"""
FRESHNESS_SQL = """
    select x_Source, strftime(max(ChargePeriodEnd), '%Y-%m-%d %H:%M') from charges
    where x_BillingPeriod = ? group by 1 order by 1"""


def reconcile(store: Store, con, user: access.User, period: str, metric: str = "effective") -> Reconciliation:
    """The reconciliation of a period on a cost basis ('effective', 'billed' or 'list')."""
    access.require(user, "close_month")
    col = focus.cost_column(metric)
    closed = closes.current_close(store, period) is not None
    source = lake_source(store, list(cache.inputs(store, period).files)) if closed else "charges"
    accounts = con.execute(ACCOUNTS_SQL.format(col=col, source=source), [period]).fetchall()
    alloc = {(p, c): (money.to_decimal(a), money.to_decimal(u)) for p, c, a, u in con.execute(
        ALLOCATED_SQL.format(metric=metric), [UNALLOCATED, UNALLOCATED, period]).fetchall()}
    rows, diffs = [], []
    providers: dict[tuple[str, str], list] = {}
    for prov, acct, cur, invoiced, n_invoiced, billed, value in accounts:
        inv = money.to_decimal(invoiced) if n_invoiced else None
        rows.append(Row(prov, acct, cur, inv, money.to_decimal(billed), money.to_decimal(value), None, None, None))
        if inv is not None and inv != money.to_decimal(billed):
            diffs.append(Difference(prov, acct, cur, "billed cost not on an invoice (InvoiceId sum vs ingested)",
                                    money.to_decimal(billed) - inv))
        totals = providers.setdefault((prov, cur), [Decimal(0), Decimal(0)])
        totals[0] += money.to_decimal(billed)
        totals[1] += money.to_decimal(value)
    for (prov, cur), (billed, value) in sorted(providers.items()):
        allocated, unallocated = alloc.get((prov, cur), (Decimal(0), Decimal(0)))
        rows.append(Row(prov, "", cur, None, billed, value, allocated, unallocated, None))
        if allocated + unallocated != value:
            diffs.append(Difference(prov, "", cur, "allocated + Unallocated vs ingested", allocated + unallocated - value))
    for (prov, cur), (allocated, unallocated) in sorted(alloc.items()):
        if (prov, cur) not in providers:
            diffs.append(Difference(prov, "", cur, "allocated but not ingested", allocated + unallocated))
    statement_rows, statement_diffs = _statements(store, con, period, metric)
    if closed:
        diffs += _restated(con, period, col, source)
    return Reconciliation(period, metric, tuple(rows + statement_rows), tuple(diffs + statement_diffs),
                          tuple(freshness(store, con, period)))


def _restated(con, period: str, col: str, pinned: str) -> list[Difference]:
    """What providers changed in a closed period since it was closed (charged on the next open period)."""
    sql = (f"select ProviderName, BillingAccountId, BillingCurrency, sum(v) from ("
           f"select ProviderName, BillingAccountId, BillingCurrency, {col} as v from charges where x_BillingPeriod = ? "
           f"union all select ProviderName, BillingAccountId, BillingCurrency, -{col} from {pinned} "
           f"where x_BillingPeriod = ?) group by all having sum(v) <> 0 order by 1, 2, 3")
    return [Difference(p, a, c, "restated after close, charged on the next open period's statements",
                       money.to_decimal(v), False) for p, a, c, v in con.execute(sql, [period, period]).fetchall()]


def issued_totals(store: Store, con, period: str, metric: str) -> dict[tuple[str, str], Decimal]:
    """(team, currency) -> statement total: frozen at close, else what the statements would say now."""
    record = closes.current_close(store, period)
    if record is not None and record.metric == metric:
        with state(store) as db:
            rows = db.execute("select team, currency, amount from close_totals where close_id = ? and kind = 'charges' "
                              "and team <> ?", (record.id, UNALLOCATED)).fetchall()
    else:
        rows = con.execute(TEAMS_SQL.format(metric=metric), [period, UNALLOCATED]).fetchall()
    sums: dict[tuple[str, str], Decimal] = {}
    for team, cur, amount in rows:
        sums[(team, cur)] = sums.get((team, cur), Decimal(0)) + money.to_decimal(amount)
    return {key: money.round_total(v) for key, v in sums.items()}


def _statements(store: Store, con, period: str, metric: str) -> tuple[list[Row], list[Difference]]:
    issued = issued_totals(store, con, period, metric)
    now = con.execute(TEAMS_SQL.format(metric=metric), [period, UNALLOCATED]).fetchall()
    rows, diffs = [], []
    for cur in sorted({c for _, c, _ in now} | {c for _, c in issued}):
        allocated = sum((money.to_decimal(v) for _, c, v in now if c == cur), Decimal(0))
        teams = [k for k in issued if k[1] == cur]
        stated = sum((issued[k] for k in teams), Decimal(0))
        rows.append(Row("", "", cur, None, Decimal(0), Decimal(0), allocated, None, stated))
        diff = stated - allocated
        if diff:
            rounding = abs(diff) <= HALF_CENT * max(len(teams), 1)
            diffs.append(Difference("", "", cur, "statements issued vs allocated to teams", diff, not rounding))
    return rows, diffs


def freshness(store: Store, con, period: str) -> list[Freshness]:
    """Per source: when it was last refreshed and how far its charges for the period reach."""
    with state(store) as db:
        last = dict(db.execute("select source, max(finished_at) from ingest_runs where outcome = 'ok' "
                               "group by source").fetchall())
    return [Freshness(src, last.get(src, ""), through or "") for src, through in
            con.execute(FRESHNESS_SQL, [period]).fetchall()]
