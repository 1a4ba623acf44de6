"""Reporting currency: convert per-currency aggregates for display, and say where we did.

Amounts are never summed across billing currencies. For a reporting view, each
(period, currency) aggregate is multiplied by that month's rate to the reporting
currency, and every converted value carries the rate used, so a page can mark it.
Rates come from a CSV, `date,from,to,rate` (daily rates are averaged per month) or
`month,from,to,rate`; loading a month and pair again replaces it.

>>> convert([("2026-07", "EUR", Decimal("10"))], "USD", {("2026-07", "EUR", "USD"): Decimal("1.1")})
([Converted(period='2026-07', amount=Decimal('11.0'), currency='USD', source_currency='EUR', rate=Decimal('1.1'))], [])
"""

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lib.core import access
from lib.core.money import CURRENCIES
from lib.core.periods import is_period
from lib.store import audit
from lib.store.state import Store, now_iso, state

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Converted:
    period: str
    amount: Decimal
    currency: str  # the reporting currency, or the original one when no rate was found
    source_currency: str
    rate: Decimal | None  # None: not converted (same currency, or no rate: shown as is)


def parse_rates(text: str, file: str = "rates.csv") -> tuple[dict, list[str]]:
    """{(month, from, to): rate} from CSV text; daily rates are averaged per month."""
    reader = csv.DictReader(io.StringIO(text))
    cols = [c.strip().lower() for c in reader.fieldnames or []]
    when = "date" if "date" in cols else "month"
    if not {when, "from", "to", "rate"} <= set(cols):
        return {}, [f"{file}: header must be date,from,to,rate or month,from,to,rate"]
    sums, errors = {}, []
    for n, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        errors += _row_errors(file, n, row, when)
        if errors:
            continue
        key = (row[when][:7], row["from"], row["to"])
        total, count = sums.get(key, (Decimal(0), 0))
        sums[key] = (total + Decimal(row["rate"]), count + 1)
    return ({k: t / c for k, (t, c) in sums.items()}, []) if not errors else ({}, errors)


def _row_errors(file: str, n: int, row: dict, when: str) -> list[str]:
    errors = []
    value = row.get(when, "")
    if not (DAY.fullmatch(value) if when == "date" else is_period(value)):
        errors.append(f"{file}: row {n}, column {when}: {row.get(when)!r} is not a {when} like "
                      f"{'2026-07-31' if when == 'date' else '2026-07'}")
    for col in ("from", "to"):
        if row.get(col, "") not in CURRENCIES:
            errors.append(f"{file}: row {n}, column {col}: {row.get(col)!r} is not an ISO 4217 currency code like USD")
    try:
        if Decimal(row.get("rate", "")) <= 0:
            raise InvalidOperation
    except InvalidOperation:
        errors.append(f"{file}: row {n}, column rate: {row.get('rate')!r} is not a positive number")
    return errors


def load_rates(store: Store, text: str, user, file: str = "rates.csv") -> tuple[int, list[str]]:
    """Parse and store rates (replacing the same month and pair); all or nothing, audited."""
    access.require(user, "edit_config")
    rates, errors = parse_rates(text, file)
    if errors:
        return 0, errors
    with state(store, write=True) as db:
        db.executemany("insert or replace into currency_rates values (?, ?, ?, ?, ?)",
                       [(m, f, t, str(r), now_iso()) for (m, f, t), r in rates.items()])
        audit.record(store, user, "rates.load", file, {"rates": len(rates)}, db=db)
    return len(rates), []


def rates(store: Store) -> dict:
    with state(store) as db:
        rows = db.execute("select period, from_currency, to_currency, rate from currency_rates").fetchall()
    return {(p, f, t): Decimal(r) for p, f, t, r in rows}


def convert(rows, to: str, table: dict) -> tuple[list[Converted], list[str]]:
    """Convert (period, currency, amount) rows to `to`; rows without a rate stay as they are, named."""
    out, missing = [], []
    for period, cur, amount in rows:
        rate = Decimal(1) if cur == to else table.get((period, cur, to))
        if rate is None and (period, to, cur) in table:
            rate = 1 / table[(period, to, cur)]
        if rate is None:
            missing.append(f"no {cur}->{to} rate for {period}: shown in {cur}")
            out.append(Converted(period, amount, cur, cur, None))
        else:
            out.append(Converted(period, amount * rate, to, cur, None if cur == to else rate))
    return out, missing
