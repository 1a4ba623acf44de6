"""Billing periods ('YYYY-MM'): the one check, arithmetic, and month bounds.

>>> is_period("2026-13"), previous_period("2026-01"), next_period("2026-12")
(False, '2025-12', '2027-01')
>>> month_bounds("2026-02")
(datetime.date(2026, 2, 1), datetime.date(2026, 3, 1))
"""

import re
from datetime import date

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def is_period(value) -> bool:
    """True for a billing period written 'YYYY-MM' with a real month."""
    return isinstance(value, str) and MONTH.fullmatch(value) is not None


def period_problem(value, what: str = "month") -> str | None:
    """None for a good period, else the sentence a user reads: "month '2026-13' is not a billing period like 2026-07"."""
    return None if is_period(value) else f"{what} {value!r} is not a billing period like 2026-07"


def shift(period: str, months: int) -> str:
    """The period `months` later (negative: earlier)."""
    index = int(period[:4]) * 12 + int(period[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def previous_period(period: str, back: int = 1) -> str:
    """'2026-01' -> '2025-12'; `back` months earlier."""
    return shift(period, -back)


def next_period(period: str) -> str:
    return shift(period, 1)


def month_bounds(period: str) -> tuple[date, date]:
    """First day of the period and first day of the next one (end exclusive)."""
    nxt = next_period(period)
    return date(int(period[:4]), int(period[5:7]), 1), date(int(nxt[:4]), int(nxt[5:7]), 1)


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"
