"""Spend in a reporting currency: each billing currency's total converted at the loaded monthly rate.

Amounts are never summed across billing currencies as they are billed. For a reporting view
each currency's rounded total of the period is converted once with that month's rate
(lib.sources.rates) and rounded to cents; only converted amounts are added, and the result
says which rates it used. A currency without a rate stays out of the total and is named.

>>> r = in_reporting_currency(store, con, user, "2026-10", "effective", "USD")   # doctest: +SKIP
>>> r.total, [(line.currency, line.rate) for line in r.lines]                        # doctest: +SKIP
(Decimal('397150.30'), [('EUR', Decimal('1.0825')), ('USD', Decimal('1'))])
"""

from dataclasses import dataclass
from decimal import Decimal

from lib.core.money import round_total
from lib.reports import spend
from lib.sources import rates


@dataclass(frozen=True)
class Line:
    currency: str  # a billing currency
    amount: Decimal  # its total as billed, rounded to cents
    rate: Decimal | None  # 1 for the reporting currency itself; None: no rate loaded
    converted: Decimal | None  # amount x rate, rounded to cents


@dataclass(frozen=True)
class InReporting:
    currency: str  # the reporting currency
    lines: tuple[Line, ...]  # one per billing currency
    total: Decimal  # the sum of the converted lines (lines without a rate are not in it)
    missing: tuple[str, ...]  # "no EUR->USD rate for 2026-10: shown in EUR"


def reporting_currencies(store) -> list[str]:
    """The currencies the loaded rates convert into (empty: no reporting currency to offer)."""
    return sorted({to for _, _, to in rates.rates(store)})


def in_reporting_currency(store, con, user, period: str, metric: str, to: str, providers=()) -> InReporting:
    """The user's spend of a period, per billing currency and converted to `to`."""
    per_currency: dict[str, Decimal] = {}
    for _, cur, amount in spend.totals(con, user, period, "provider", metric, None, providers):
        per_currency[cur] = per_currency.get(cur, Decimal(0)) + amount
    rows = [(period, cur, round_total(amount)) for cur, amount in sorted(per_currency.items())]
    converted, missing = rates.convert(rows, to, rates.rates(store))
    lines = tuple(Line(cur, amount, c.rate or (Decimal(1) if c.currency == to else None),
                       round_total(c.amount) if c.currency == to else None)
                  for (_, cur, amount), c in zip(rows, converted))
    total = sum((line.converted for line in lines if line.converted is not None), Decimal(0))
    return InReporting(to, lines, total, tuple(missing))
