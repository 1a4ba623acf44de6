"""Anomaly alerts: new anomalies above the alert impact go to the team's owners and department heads, once.

Only anomalies that started in the last RECENT_DAYS are told (a first run must not mail a year of
history), only untriaged ones (an acknowledged, expected or resolved anomaly, or one whose cause was
marked expected, stays quiet), and the dedup key is the anomaly's key, so each goes out once.
The minimum impact comes from the setting `anomaly.alert_min_impact` (default ALERT_MIN_IMPACT).

>>> anomaly_alerts(store, con, datetime.now(timezone.utc))     # doctest: +SKIP
[Alert(kind='anomaly-alert', key='anomaly:web||USD|2024-09-14', ...)]
"""

from datetime import datetime, timedelta
from decimal import Decimal

from lib.alerts.alert import Alert
from lib.anomalies.detect import Anomaly, find
from lib.config.versions import current_org
from lib.core import access, money
from lib.notify.recipients import recipients
from lib.store.state import Store, state

RECENT_DAYS = 7  # billing data arrives a day or two late; a week back catches every new day once
ALERT_MIN_IMPACT = Decimal(200)


def alert_min_impact(store: Store) -> Decimal:
    with state(store) as db:
        row = db.execute("select value from settings where key = 'anomaly.alert_min_impact'").fetchone()
    return money.to_decimal(row[0]) if row else ALERT_MIN_IMPACT


def _text(a: Anomaly) -> tuple[str, str]:
    what = a.what
    subject = f"[Costbook] {what}: +{money.fmt(a.impact, a.currency)} unexpected cost since {a.start}"
    lines = [
        f"Anomaly ({a.severity}) for {what}, {a.start} to {a.end} ({a.days} day{'s' if a.days > 1 else ''}).",
        (f"Actual {money.fmt(a.actual, a.currency)} vs expected {money.fmt(a.expected, a.currency)}: "
        f"+{money.fmt(a.impact, a.currency)}."),
        *[f"- {d.describe(a.currency)}" for d in a.drivers],
        *([f"The data for {a.end} is not fully delivered yet: the amount may still grow."] if a.partial else []),
        "Triage it on the Anomalies page (acknowledge, mark expected, or resolve).",
    ]
    return subject, "\n".join(lines)


def anomaly_alerts(store: Store, con, now: datetime) -> list:
    """Alerts due for recent, untriaged anomalies whose impact reaches the alert minimum."""
    org, floor = current_org(store), alert_min_impact(store)
    known = {t.id for t in org.teams}
    since = now.date() - timedelta(days=RECENT_DAYS)
    out = []
    for a in find(store, con, access.CLI, since=since):
        if a.state != "new" or a.impact < floor or a.team not in known:
            continue
        subject, body = _text(a)
        out.append(Alert("anomaly-alert", f"anomaly:{a.key}", subject, body, recipients(org, "team", a.team),
                         a.department))
    return out
