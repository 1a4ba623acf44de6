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
from lib.month_end.reconcile import Reconciliation

TIEOUT = {"provider": "Provider", "billing_account": "Billing account", "currency": "Currency",
          "invoiced": "Invoiced", "ingested": "Ingested (billed)", "charges": "Charges", "allocated": "Allocated",
          "unallocated": "Unallocated", "statements": "Statements", "adjustments": "Adjustments",
          "journal": "Journal credit", "difference": "Difference", "result": "Result"}


def money(frame: pd.DataFrame, columns: list[str], currency: str | None = None, currency_column: str = "currency",
          blank: str = "–") -> pd.DataFrame:
    """A copy of `frame` with `columns` formatted in `currency` (or each row's `currency_column`); None -> blank."""
    out = frame.copy()
    currencies = [currency] * len(frame) if currency else list(frame[currency_column])
    for col in columns:
        out[col] = [blank if v is None else fmt(v, c) for v, c in zip(frame[col], currencies)]
    return out


def tieout(result: Reconciliation) -> pd.DataFrame:
    """The reconciliation's rows as the Close page shows them: one per billing account, then per provider."""
    rows = [{**r.__dict__, "billing_account": r.billing_account or "all accounts",
             "result": "✅ pass" if r.passed else f"❌ fail: {r.check}"} for r in result.rows]
    frame = pd.DataFrame(rows, columns=[c for c in TIEOUT if c != "check"])
    amounts = ["invoiced", "ingested", "charges", "allocated", "unallocated", "statements", "adjustments", "journal",
               "difference"]
    return money(frame.astype(object).where(frame.notna(), None), amounts).rename(columns=TIEOUT)
