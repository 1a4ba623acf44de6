"""What "data through" means, once for every page: the last day with charges, never after today.

A page opens on the latest billing period when it has at least FULL_ENOUGH days of data (then
it is read month to date, against the same days of the previous period); in the first days of
a month it opens on the period before, which is complete. Every page says the day its data
runs through.

>>> default_period(["2026-10", "2026-11", "2026-12"], date(2026, 12, 1))
'2026-11'
>>> default_period(["2026-10", "2026-11", "2026-12"], date(2026, 12, 9))
'2026-12'
>>> days_covered("2026-12", date(2026, 12, 9)), days_covered("2026-11", date(2026, 12, 9))
((9, 31), (30, 30))
"""

from datetime import UTC, date, datetime

from lib.core.periods import month_bounds, period_of

FULL_ENOUGH = 7  # days of a running month before it is the one a page opens on


def data_through(con, today: date | None = None) -> date | None:
    """The last day the allocated view has charges for, capped at today (None without data)."""
    last = con.execute("select max(ChargeDate) from allocated").fetchone()[0]
    if last is None:
        return None
    return min(last, today or datetime.now(UTC).date())


def days_covered(period: str, through: date | None) -> tuple[int, int]:
    """(days of the period with data, days in the period)."""
    start, end = month_bounds(period)
    total = (end - start).days
    if through is None:
        return 0, total
    return max(0, min(total, (through - start).days + 1)), total


def running(period: str, through: date | None) -> bool:
    """True while the period's data stops before its last day."""
    done, total = days_covered(period, through)
    return done < total


def default_period(periods: list[str], through: date | None) -> str | None:
    """The period a page opens on: the newest, unless it has fewer than FULL_ENOUGH days of data."""
    if not periods:
        return None
    latest = periods[-1]
    if through is None or len(periods) == 1 or period_of(through) != latest:
        return latest
    done, _ = days_covered(latest, through)
    return latest if done >= FULL_ENOUGH else periods[-2]


def day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def through_text(period: str, through: date | None) -> str:
    """'month to date: data through 9 Dec 2026 (9 of 31 days)' for a running period, else 'complete month'.

    >>> through_text("2026-12", date(2026, 12, 9)), through_text("2026-11", date(2026, 12, 9))
    ('month to date: data through 9 Dec 2026 (9 of 31 days)', 'complete month')
    """
    if through is None:
        return "no data yet"
    done, total = days_covered(period, through)
    if done >= total:
        return "complete month"
    return f"month to date: data through {day_text(through)} ({done} of {total} days)"
