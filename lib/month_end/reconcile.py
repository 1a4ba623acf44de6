"""Reconciliation: the tie-out a controller signs, per provider, billing account and currency.

Each row is one billing account (and each provider in total) with, in cents:
invoiced (its invoices, each rounded half-up: billed cost), ingested (every charge, billed cost),
charges (the same on the chosen cost basis: what the account's cells add up to), allocated to
teams, Unallocated, the teams' statements, adjustments for restated closed periods charged in
this one and (on provider rows) the journal's clearing credit. The checks have no tolerance:

- invoiced = ingested (a charge without an InvoiceId is a difference, and is named);
- charges = allocated + Unallocated, in cents and exactly before rounding;
- statements = allocated, per account and per team;
- journal credit = charges + adjustments, per provider.

A check holds or is a Difference listing the lines that cause it. A closed period restated since
its close lists the restatements, charged as adjustments on the next open period.

Invoiced is the providers' FOCUS InvoiceDetail lines when the period has them (then also checked
per invoice), else the billed cost of the charges with an InvoiceId (lib.month_end.invoices); the
result says which. Corrections that arrive for a period its provider or Costbook has closed are
listed beside the differences (lib.month_end.corrections).

>>> result = reconcile(store, con, user, "2026-10")      # doctest: +SKIP
>>> result.passed, [str(d) for d in result.differences]   # doctest: +SKIP
(True, [])
"""

from dataclasses import dataclass, replace
from decimal import Decimal

from lib.allocation import cache
from lib.config.org import UNALLOCATED
from lib.core import access, money
from lib.core.periods import next_period
from lib.month_end import closes, invoices, tieout
from lib.month_end.corrections import Correction, corrections_of
from lib.store.lake import lake_source
from lib.store.state import Store, state

NOT_INVOICED = "billed cost not on an invoice (InvoiceId sum vs ingested)"
NOT_ON_DETAILS = "billed cost vs invoiced (InvoiceDetail lines)"
NOT_ALLOCATED = "allocated + Unallocated vs ingested"
NOT_STATED = "statements vs allocated to teams"
NOT_JOURNALED = "journal clearing credit vs ingested + adjustments"
ZERO = Decimal("0.00")
SHORT = {NOT_INVOICED: "not on an invoice", NOT_ON_DETAILS: "not as invoiced", NOT_ALLOCATED: "not allocated",
         NOT_ALLOCATED + ", before rounding": "not allocated", NOT_STATED: "statements", NOT_JOURNALED: "journal"}


@dataclass(frozen=True)
class Row:
    provider: str
    billing_account: str  # '' on a provider's total row
    currency: str
    invoiced: Decimal | None  # None when the source reports no InvoiceId
    ingested: Decimal  # billed cost of every charge
    charges: Decimal  # on the chosen cost basis
    allocated: Decimal
    unallocated: Decimal
    statements: Decimal
    adjustments: Decimal
    journal: Decimal | None  # provider rows only
    difference: Decimal  # the first check that fails, else 0
    check: str  # which check `difference` is ('' when every check holds)
    invoiced_from: str = ""  # where `invoiced` comes from (lib.month_end.invoices), '' when nowhere

    @property
    def passed(self) -> bool:
        return not self.check


@dataclass(frozen=True)
class Difference:
    provider: str
    billing_account: str
    currency: str
    check: str
    amount: Decimal
    lines: tuple[str, ...] = ()  # what causes it

    def __str__(self) -> str:
        where = " / ".join(x for x in (self.provider, self.billing_account, self.currency) if x)
        return f"{where}: {self.check}: difference {money.fmt(self.amount, self.currency)}"


@dataclass(frozen=True)
class Restatement:
    provider: str
    billing_account: str
    currency: str
    amount: Decimal  # restated cells minus the cells the period was closed with
    charged_on: str  # the open period whose statements and journal carry it

    def __str__(self) -> str:
        return (f"{self.provider} / {self.billing_account} / {self.currency}: restated after close by "
                f"{money.fmt(self.amount, self.currency)}, charged on {self.charged_on}'s statements and journal")


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
    restatements: tuple[Restatement, ...] = ()
    invoiced_from: str = invoices.FROM_CHARGES
    corrections: tuple[Correction, ...] = ()

    @property
    def passed(self) -> bool:
        return bool(self.rows) and not self.differences

    def as_rows(self) -> list[dict]:
        return ([{**r.__dict__, "passed": r.passed} for r in self.rows] + [{"difference": str(d)} for d in
                self.differences] + [{"restatement": str(r)} for r in self.restatements])


FRESHNESS_SQL = """
    select x_Source, strftime(max(ChargePeriodEnd), '%Y-%m-%d %H:%M') from charges
    where x_BillingPeriod = ? group by 1 order by 1"""


def reconcile(store: Store, con, user: access.User, period: str, metric: str = "effective") -> Reconciliation:
    """The tie-out of a period on a cost basis ('effective', 'billed' or 'list')."""
    access.require(user, "close_month")
    closed = closes.current_close(store, period) is not None
    source = lake_source(store, list(cache.inputs(store, period).files)) if closed else "charges"
    charges = tieout.invoiced(con, source, period, metric)
    details = invoices.has_details(store, period)
    invoiced_from = invoices.FROM_DETAILS if details else invoices.FROM_CHARGES
    charges, detail_diffs = _details(store, con, period, source, charges) if details else (charges, [])
    cells = tieout.allocated(con, period, metric)
    by_account, by_team = tieout.stated(store, con, period, metric)
    adjusted = tieout.sum_by([(a.provider, a.billing_account, a.currency, a.amount)
                               for a in closes.adjustments(store, con, period, metric)], (0, 1, 2))
    rows, diffs = [], []
    zero = (ZERO, ZERO, ZERO)
    for where in sorted(set(charges) | set(cells) | set(adjusted)):
        acct = charges.get(where, tieout.Account(*zero, ZERO, 0))
        found = _account(con, source, period, metric, where, acct, cells.get(where, zero),
                         by_account.get(where, ZERO), adjusted.get(where, ZERO), invoiced_from if acct.invoices else "")
        rows.append(found[0])
        diffs += found[1]
    credits = tieout.journal_credits(store, con, period, metric)
    for prov, cur in sorted({(p, c) for p, _, c in charges} | set(credits)):
        row, found = _provider(prov, cur, [r for r in rows if (r.provider, r.currency) == (prov, cur)],
                               credits.get((prov, cur), ZERO))
        rows.append(row)
        diffs += found
    diffs += detail_diffs + _teams(con, period, metric, by_team)
    return Reconciliation(period, metric, tuple(rows), tuple(diffs), tuple(freshness(store, con, period)),
                          tuple(_restated(store, con, period, metric)) if closed else (), invoiced_from,
                          tuple(corrections_of(store, con, period)))


def _details(store: Store, con, period: str, source: str, charges: dict) -> tuple[dict, list[Difference]]:
    """The accounts with the InvoiceDetail lines as what was invoiced, and the differences per invoice."""
    lines = invoices.invoiced(store, period)
    out = {where: replace(acct, on_invoice=lines.pop(where[1:], ZERO), invoices=max(acct.invoices, 1))
           for where, acct in charges.items()}
    diffs = [Difference("", acct, cur, "invoiced (InvoiceDetail lines) but no charges", -amount)
             for (acct, cur), amount in sorted(lines.items()) if amount]
    diffs += [Difference(p, a, c, f"invoice {i}: charges vs its InvoiceDetail lines", d)
              for p, a, c, i, d in invoices.by_invoice(store, con, period, source)]
    return out, diffs


def _account(con, source, period, metric, where, acct: tieout.Account, cells, stated, adjusted, invoiced_from):
    """The row of one billing account, and its differences."""
    teams, unallocated, exact = cells
    on_details = invoiced_from == invoices.FROM_DETAILS  # the per-invoice differences name the invoices
    checks = [(NOT_ON_DETAILS if on_details else NOT_INVOICED,
               acct.billed - acct.invoiced if acct.invoiced is not None else ZERO,
               (lambda: []) if on_details else lambda: tieout.no_invoice_causes(con, source, period, where)),
              (NOT_ALLOCATED, teams + unallocated - acct.value, lambda: []),
              (NOT_ALLOCATED + ", before rounding", exact - acct.exact,
               lambda: tieout.allocation_causes(con, source, period, metric, where)),
              (NOT_STATED, stated - teams, lambda: [])]
    diffs = [Difference(*where, check, amount, tuple(causes())) for check, amount, causes in checks if amount]
    first = diffs[0] if diffs else None
    row = Row(*where, acct.invoiced, acct.billed, acct.value, teams, unallocated, stated, adjusted, None,
              first.amount if first else ZERO, first.check if first else "", invoiced_from)
    return row, diffs


def _provider(prov: str, cur: str, accounts: list[Row], credit: Decimal) -> tuple[Row, list[Difference]]:
    """A provider's total row: its accounts summed, and the journal's clearing credit checked against them."""
    def total(field: str) -> Decimal:
        return sum((getattr(r, field) for r in accounts), ZERO)
    invoiced = [r.invoiced for r in accounts if r.invoiced is not None]
    due = total("charges") + total("adjustments")
    diffs = [] if credit == due else [Difference(prov, "", cur, NOT_JOURNALED, credit - due, (
        f"journal credit {money.fmt(credit, cur)}; charges {money.fmt(total('charges'), cur)} and adjustments "
        f"{money.fmt(total('adjustments'), cur)}",))]
    failed = next((r for r in accounts if not r.passed), None)
    check, diff = (diffs[0].check, diffs[0].amount) if diffs else (
        (failed.check, failed.difference) if failed else ("", ZERO))
    row = Row(prov, "", cur, sum(invoiced, ZERO) if invoiced else None, total("ingested"), total("charges"),
              total("allocated"), total("unallocated"), total("statements"), total("adjustments"), credit, diff, check)
    return row, diffs


def _teams(con, period: str, metric: str, stated: dict[tuple[str, str], Decimal]) -> list[Difference]:
    """Teams whose statement total differs from the sum of their cells."""
    rows = con.execute(f"select team, BillingCurrency, sum({metric}) from cells where x_BillingPeriod = ? "
                       f"and team <> ? group by all", [period, UNALLOCATED]).fetchall()
    cells = {(t, c): money.to_decimal(v) for t, c, v in rows}
    out = []
    for team, cur in sorted(set(cells) | set(stated)):
        diff = stated.get((team, cur), ZERO) - cells.get((team, cur), ZERO)
        if diff:
            out.append(Difference("", "", cur, f"{NOT_STATED}: team {team}", diff, (
                f"statement {money.fmt(stated.get((team, cur), 0), cur)}, cells "
                f"{money.fmt(cells.get((team, cur), 0), cur)}",)))
    return out


def _restated(store: Store, con, period: str, metric: str) -> list[Restatement]:
    """What providers changed in a closed period since its close, in cents, and where it is charged."""
    now = closes.restated_totals(store, con, period, metric)
    if now is None:
        return []
    frozen = closes.current_totals(con, period, metric)
    diff = tieout.sum_by([(k[1], k[2], k[3], now.get(k, ZERO) - frozen.get(k, ZERO))
                           for k in set(now) | set(frozen)], (0, 1, 2))
    closed, nxt = closes.closed_periods(store), next_period(period)
    while nxt in closed:
        nxt = next_period(nxt)
    return [Restatement(*where, amount, nxt) for where, amount in sorted(diff.items()) if amount]


def freshness(store: Store, con, period: str) -> list[Freshness]:
    """Per source: when it was last refreshed and how far its charges for the period reach."""
    with state(store) as db:
        last = dict(db.execute("select source, max(finished_at) from ingest_runs where outcome = 'ok' "
                               "group by source").fetchall())
    return [Freshness(src, last.get(src, ""), through or "") for src, through in
            con.execute(FRESHNESS_SQL, [period]).fetchall()]
