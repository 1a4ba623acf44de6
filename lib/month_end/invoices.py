"""What the providers invoiced for a period: their FOCUS InvoiceDetail lines when imported, else the charges' InvoiceIds.

A FOCUS 1.4 InvoiceDetail dataset (lib.sources.focus_datasets) lists every invoice line with its
billed cost; when a period has such lines, reconciliation compares the charges with them, per
billing account and per invoice. Without them the invoiced amount is the billed cost of the charges
that carry an InvoiceId, as before.

>>> invoiced(store, "2026-10")          # doctest: +SKIP
{('ba-100', 'USD'): Decimal('134.00')}
"""

from decimal import Decimal

from lib.core import money
from lib.store.state import Store, state

FROM_DETAILS = "InvoiceDetail"
FROM_CHARGES = "InvoiceId sums of the charges"

PER_INVOICE_SQL = """
    select ProviderName, BillingAccountId, BillingCurrency, InvoiceId, sum(BilledCost) from {source}
    where x_BillingPeriod = ? and InvoiceId is not null group by all"""


def _per_invoice(store: Store, period: str) -> dict[tuple[str, str, str], Decimal]:
    """(billing account, currency, invoice) -> the exact billed cost of its lines (Decimal, summed in Python:
    the state store keeps the amounts as text)."""
    with state(store) as db:
        rows = db.execute("select billing_account_id, billing_currency, invoice_id, billed_cost from "
                          "focus_invoice_details where period = ?", (period,)).fetchall()
    out: dict[tuple[str, str, str], Decimal] = {}
    for account, currency, invoice, billed in rows:
        out[(account, currency, invoice)] = out.get((account, currency, invoice), Decimal(0)) + money.to_decimal(billed)
    return out


def has_details(store: Store, period: str) -> bool:
    with state(store) as db:
        return db.execute("select 1 from focus_invoice_details where period = ? limit 1", (period,)).fetchone() is not None


def invoiced(store: Store, period: str) -> dict[tuple[str, str], Decimal]:
    """(billing account, currency) -> the billed cost of the period's invoice lines, each invoice rounded
    half-up to cents as it is billed."""
    out: dict[tuple[str, str], Decimal] = {}
    for (account, currency, _), billed in _per_invoice(store, period).items():
        out[(account, currency)] = out.get((account, currency), Decimal("0.00")) + money.round_total(billed)
    return out


def by_invoice(store: Store, con, period: str, source: str = "charges") -> list[tuple[str, str, str, str, Decimal]]:
    """Invoices whose charges and invoice lines differ: (provider, billing account, currency, invoice, charges - lines).

    An invoice with lines but no charges, or charges but no lines, differs by all of its amount.
    """
    lines = _per_invoice(store, period)
    charged, provider = {}, {}
    for prov, account, currency, invoice, billed in con.execute(PER_INVOICE_SQL.format(source=source),
                                                                [period]).fetchall():
        charged[(account, currency, invoice)] = money.to_decimal(billed)
        provider[account] = prov
    out = []
    for key in sorted(set(lines) | set(charged)):
        diff = charged.get(key, Decimal(0)) - lines.get(key, Decimal(0))
        if diff:
            out.append((provider.get(key[0], ""), key[0], key[1], key[2], diff))
    return out
