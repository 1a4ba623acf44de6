"""Small bills written the way a person reads them, saved as real FOCUS CSV files.

>>> import tempfile
>>> path = write_bill(Path(tempfile.mkdtemp()) / "bill.csv", [
...     charge("web", "Amazon EC2", 100),
...     charge(None, "AWS Support (Business)", 18, category="Management and Governance"),
... ])
>>> len(Path(path).read_text().splitlines())  # a header and two charges
3
"""

import csv
import json
from pathlib import Path

from lib.core import focus

DEFAULTS = {
    "BillingAccountId": "payer-1", "BillingAccountName": "Acme", "BillingCurrency": "USD",
    "ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based", "ProviderName": "AWS",
    "PublisherName": "AWS", "InvoiceIssuerName": "AWS", "SubAccountId": "acct-1", "SubAccountName": "Main",
    "RegionId": "us-east-1", "ServiceCategory": "Compute",
}


def charge(team: str | None, service: str, cost, *, day: str = "2026-10-05", effective=None, billed=None,
           category: str | None = None, tags: dict | None = None, **columns) -> dict:
    """One charge row; `team` becomes a `team` tag, costs are strings so they stay exact."""
    start = f"{day}T00:00:00Z"
    month = day[:7]
    year, mon = int(month[:4]), int(month[5:7])
    end_month = f"{year + mon // 12}-{mon % 12 + 1:02d}"
    row = dict(DEFAULTS)
    all_tags = dict(tags or {})
    if team:
        all_tags["team"] = team
    row.update({
        "ServiceName": service, "BilledCost": str(billed if billed is not None else cost),
        "EffectiveCost": str(effective if effective is not None else cost), "ListCost": str(cost),
        "ContractedCost": str(cost), "ChargePeriodStart": start, "ChargePeriodEnd": f"{day}T23:59:59Z",
        "BillingPeriodStart": f"{month}-01T00:00:00Z", "BillingPeriodEnd": f"{end_month}-01T00:00:00Z",
        "Tags": json.dumps(all_tags) if all_tags else "",
    })
    if category:
        row["ServiceCategory"] = category
    row.update({k: str(v) for k, v in columns.items()})
    return row


def write_bill(path: Path, rows: list[dict]) -> str:
    names = [n for n in focus.NAMES if not n.startswith("x_") and any(n in r for r in rows)]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, fieldnames=names, extrasaction="raise")
        out.writeheader()
        out.writerows(rows)
    return str(path)
