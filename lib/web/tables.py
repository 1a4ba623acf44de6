"""Tables as a person reads them on a page: money columns as strings from lib.core.money.fmt.

The frames that pages download as CSV keep their exact Decimal amounts; what a grid shows is a
formatted copy, in each row's currency, so no page prints a float or a 12-decimal sum.

>>> import pandas as pd
>>> from decimal import Decimal
>>> money(pd.DataFrame({"team": ["web"], "amount": [Decimal("-12.5")]}), ["amount"], "EUR").amount.tolist()
['-€12.50']
"""

import pandas as pd

from lib.core.money import fmt
from lib.month_end.reconcile import SHORT, Reconciliation

TIEOUT = {"result": "Result", "provider": "Provider", "billing_account": "Billing account", "currency": "Currency",
          "invoiced": "Invoiced", "ingested": "Ingested (billed)", "charges": "Charges", "allocated": "Allocated",
          "unallocated": "Unallocated", "statements": "Statements", "adjustments": "Adjustments",
          "journal": "Journal credit", "difference": "Difference"}
AMOUNTS = ["invoiced", "ingested", "charges", "allocated", "unallocated", "statements", "adjustments", "journal",
           "difference"]


def money(frame: pd.DataFrame, columns: list[str], currency: str | None = None, currency_column: str = "currency",
          blank: str = "–") -> pd.DataFrame:
    """A copy of `frame` with `columns` formatted in `currency` (or each row's `currency_column`); None -> blank."""
    out = frame.copy()
    currencies = [currency] * len(frame) if currency else list(frame[currency_column])
    for col in columns:
        out[col] = [blank if v is None else fmt(v, c) for v, c in zip(frame[col], currencies)]
    return out


def tieout(result: Reconciliation) -> pd.DataFrame:
    """The tie-out as the Close page shows it: each provider's billing accounts, then its total row.

    The charges column is named after the cost basis; on the billed basis it is the ingested column.
    """
    order = sorted(result.rows, key=lambda r: (r.provider, r.currency, r.billing_account == "", r.billing_account))
    rows = [{**r.__dict__, "billing_account": r.billing_account or f"{r.provider} total",
             "result": "pass" if r.passed else f"FAIL: {SHORT.get(r.check, r.check)}"} for r in order]
    columns = [c for c in TIEOUT if not (c == "charges" and result.metric == "billed")]
    frame = pd.DataFrame(rows, columns=columns)
    frame = money(frame.astype(object).where(frame.notna(), None), [c for c in AMOUNTS if c in columns])
    return frame.rename(columns={**TIEOUT, "charges": f"Charges ({result.metric})"})
