"""Budget alerts: a threshold crossing of actual or forecast spend becomes one alert per budget and level.
"""

from datetime import datetime, timedelta

from lib.alerts.alert import GRACE_DAYS, Alert
from lib.budgets.status import Status, budget_status
from lib.config.versions import current_org
from lib.core import access, money
from lib.notify.recipients import recipients
from lib.store.state import Store


def _text(s: Status, basis: str, level: int) -> tuple[str, str]:
    b, cur = s.budget, s.budget.currency
    who = f"{b.scope} {b.owner}"
    if basis == "actual":
        subject = f"[Costbook] {b.owner}: {s.pct}% of the {b.period} budget spent"
    else:
        subject = f"[Costbook] {b.owner}: forecast {s.forecast_pct}% of the {b.period} budget"
    lines = [
        f"The {b.period} budget of {who} has passed {level}% ({basis}).",
        f"Budget: {money.fmt(b.amount, cur)}  Spent so far: {money.fmt(s.actual, cur)} ({s.pct}%, to {s.as_of})",
        (f"Forecast to {s.end - timedelta(days=1)}: {money.fmt(s.forecast.total, cur)} "
         f"(likely {money.fmt(s.forecast.low, cur)} to {money.fmt(s.forecast.high, cur)})"),
        f"Burn rate: {money.fmt(s.burn_rate, cur)} per day; cost basis: {s.metric}",
    ]
    if s.overrun:
        lines.append(f"Over budget {'since' if s.state == 'over' else 'around'} {s.overrun}.")
    return subject, "\n".join(lines)


def _due(s: Status, basis: str) -> int | None:
    """The highest threshold this status has crossed on a basis, or None."""
    if basis == "actual":
        pct, levels = s.pct, s.budget.thresholds
    else:
        pct, levels = s.forecast_pct, s.budget.forecast_thresholds
        if s.as_of >= s.end - timedelta(days=1) or s.pct >= max(levels, default=0):
            return None  # a finished period has no forecast; a reached level is told by the actual alert
    crossed = [lvl for lvl in levels if pct >= lvl]
    return max(crossed) if crossed else None


def budget_alerts(store: Store, con, now: datetime) -> list[Alert]:
    """Alerts for budgets whose period is running (or ended less than GRACE_DAYS ago)."""
    org, today = current_org(store), now.date()
    months = sorted({f"{d:%Y-%m}" for d in (today, today - timedelta(days=GRACE_DAYS))})
    running = {s.budget.key: s for m in months for s in budget_status(store, con, access.CLI, month=m, now=now)}
    out = []
    for s in running.values():
        if not s.start <= today < s.end + timedelta(days=GRACE_DAYS):
            continue
        for basis in ("actual", "forecast"):
            level = _due(s, basis)
            if level is None:
                continue
            b = s.budget
            subject, body = _text(s, basis, level)
            key = f"budget:{b.key}:{b.currency}:{s.metric}:{basis}:{level}"
            out.append(Alert("budget-alert", key, subject, body, recipients(org, b.scope, b.owner), s.department))
    return out
