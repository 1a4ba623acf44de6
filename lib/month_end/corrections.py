"""Corrections to closed billing periods: what changed after a provider (FOCUS BillingPeriod) or Costbook closed one.

FOCUS 1.4 lets an invoice issuer say a billing period is Closed ("all invoices issued, the data
final") and asks tools to notice when a closed period is corrected anyway. A period counts as
closed by its provider once a BillingPeriod file said Closed for that issuer, and by Costbook while
a month close is in force. Flagged, for the period reconciled:
- charges of the period replaced by an import after its provider closed it (with the difference);
- correction charges (ChargeClass 'Correction') billed in this period for a closed earlier one, or
  billed later for this period when it is closed;
- a provider that reported the period Open again after Closed.
A restatement after Costbook's own close is already a reconciliation difference (charged on the next
open period); these are listed so finance can see them on the Close page and in `reconcile`.

>>> [str(c) for c in corrections_of(store, con, "2026-09")]      # doctest: +SKIP
['2026-09 (closed by Acme Cloud Inc.): charges replaced after the provider closed it by run 7 ...']
"""

from dataclasses import dataclass
from decimal import Decimal

from lib.core import money
from lib.month_end import closes
from lib.store.lake import lake_source
from lib.store.state import Store, state


@dataclass(frozen=True)
class Correction:
    period: str  # the closed billing period that is corrected
    closed_by: str  # the invoice issuer that closed it, or 'Costbook (issue N)'
    what: str
    currency: str = ""
    amount: Decimal | None = None  # billed cost it changes, when known

    def __str__(self) -> str:
        amount = f" ({money.fmt(self.amount, self.currency)})" if self.amount is not None else ""
        return f"{self.period} (closed by {self.closed_by}): {self.what}{amount}"


def provider_statuses(store: Store, period: str) -> dict[str, list[tuple[str, str, int]]]:
    """Issuer -> [(status, last updated, the latest ingest run when Costbook imported it)], oldest first."""
    with state(store) as db:
        rows = db.execute("select invoice_issuer, status, last_updated, after_run from focus_billing_periods "
                          "where period = ? order by invoice_issuer, last_updated, id", (period,)).fetchall()
    out: dict[str, list[tuple[str, str, int]]] = {}
    for issuer, status, updated, after_run in rows:
        out.setdefault(issuer, []).append((status, updated, after_run))
    return out


def closers(store: Store, period: str) -> dict[str, str]:
    """Who closed a period: {issuer or '': how it reads}; '' stands for Costbook's own close."""
    out = {issuer: issuer for issuer, seen in provider_statuses(store, period).items()
           if any(status == "Closed" for status, _, _ in seen)}
    record = closes.current_close(store, period)
    if record is not None:
        out[""] = f"Costbook (issue {record.issue})"
    return out


def _replaced(store: Store, con, period: str) -> list[Correction]:
    """Imports that replaced a period's charges of an issuer after that issuer had said Closed."""
    out = []
    for issuer, seen in provider_statuses(store, period).items():
        closed_after = min((run for status, _, run in seen if status == "Closed"), default=None)
        if closed_after is None:
            continue
        with state(store) as db:
            runs = db.execute("select run_id, source, billing_account_id, path from lake_files where active = 1 "
                              "and period = ? and run_id > ? order by 1, 4", (period, closed_after)).fetchall()
            before = {}
            for run_id, source, account, _ in runs:
                before[(run_id, source, account)] = [p for (p,) in db.execute(
                    "select path from lake_files where source = ? and billing_account_id = ? and period = ? and "
                    "run_id = (select max(run_id) from lake_files where source = ? and billing_account_id = ? "
                    "and period = ? and run_id < ?)", (source, account, period, source, account, period, run_id))]
        for run_id in sorted({r for r, *_ in runs}):
            new = [str(store.lake / p) for r, _, _, p in runs if r == run_id]
            old = [str(store.lake / p) for (r, _, _), paths in before.items() if r == run_id for p in paths]
            for currency, diff in _difference(store, con, new, old, issuer).items():
                out.append(Correction(period, issuer, f"charges replaced after the provider closed it, by import run "
                                                      f"{run_id}", currency, diff))
    return out


def _difference(store: Store, con, new: list[str], old: list[str], issuer: str) -> dict[str, Decimal]:
    """Currency -> billed cost of the issuer's charges in the new files minus the old ones (non-zero only)."""
    parts = [f"select BillingCurrency, BilledCost as v from {lake_source(store, new)} where InvoiceIssuerName = ?"]
    params = [issuer]
    if old:
        parts.append(f"select BillingCurrency, -BilledCost from {lake_source(store, old)} where InvoiceIssuerName = ?")
        params.append(issuer)
    rows = con.execute(f"select BillingCurrency, sum(v) from ({' union all '.join(parts)}) group by 1 "
                       "having sum(v) <> 0 order by 1", params).fetchall()
    return {c: money.to_decimal(v) for c, v in rows}


CORRECTIONS_SQL = """
    select x_BillingPeriod, strftime(ChargePeriodStart, '%Y-%m') as corrected, InvoiceIssuerName, BillingCurrency,
           count(*), sum(BilledCost)
    from charges where ChargeClass = 'Correction' and {where} group by all order by all"""


def _correction_charges(store: Store, con, period: str) -> list[Correction]:
    """Correction charges billed in this period for a closed earlier one, or later for this period if closed."""
    found = con.execute(CORRECTIONS_SQL.format(where="x_BillingPeriod = ? and strftime(ChargePeriodStart, "
                                               "'%Y-%m') < ?"), [period, period]).fetchall()
    found += con.execute(CORRECTIONS_SQL.format(where="x_BillingPeriod > ? and strftime(ChargePeriodStart, "
                                                "'%Y-%m') = ?"), [period, period]).fetchall()
    out = []
    for billed_in, corrected, issuer, currency, count, amount in found:
        who = closers(store, corrected)
        closed_by = who.get(issuer) or who.get("")
        if closed_by:
            out.append(Correction(corrected, closed_by, f"{count} correction charge(s) billed in {billed_in}",
                                  currency, money.to_decimal(amount)))
    return out


def _reopened(store: Store, period: str) -> list[Correction]:
    out = []
    for issuer, seen in provider_statuses(store, period).items():
        statuses = [s for s, _, _ in seen]
        if "Closed" in statuses and statuses[-1] == "Open":
            out.append(Correction(period, issuer, f"the provider reported it Open again on {seen[-1][1]}"))
    return out


def corrections_of(store: Store, con, period: str) -> list[Correction]:
    """Everything that corrects a closed period, seen from the period reconciled."""
    return _replaced(store, con, period) + _correction_charges(store, con, period) + _reopened(store, period)
