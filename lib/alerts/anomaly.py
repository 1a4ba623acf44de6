"""Anomaly alerts: new anomalies above the alert impact go to the team's owners and department heads, once.

Only anomalies that started in the last RECENT_DAYS are told (a first run must not mail a year of
history), only untriaged ones (an acknowledged, expected or resolved anomaly, or one whose cause was
marked expected, stays quiet), and the dedup key is the anomaly's key, so each goes out once.
The minimum impact comes from the setting `anomaly.alert_min_impact` (default ALERT_MIN_IMPACT).
The e-mail's actual cost is the exact Decimal sum of the anomalous days' allocated charges (the
detector works on float series); expected is the detector's baseline in cents; the impact the
mail states is their difference, so the three numbers add up.

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


ACTUAL_SQL = """
    select sum(effective) from allocated where team = ? and BillingCurrency = ? and ChargeDate between ? and ?
      and (? = '' or ServiceName = ?) and (? = '' or SubAccountId = ?)"""


def exact_actual(con, a: Anomaly) -> Decimal:
    """The anomalous days' allocated cost of the anomaly's team (service, account), exactly, rounded to cents once."""
    row = con.execute(ACTUAL_SQL, [a.team, a.currency, a.start, a.end, a.service_name, a.service_name,
                                   a.account, a.account]).fetchone()
    return money.round_total(row[0]) if row and row[0] is not None else a.actual


def _text(a: Anomaly, actual: Decimal) -> tuple[str, str]:
    what = a.what
    impact = actual - money.round_total(a.expected)
    subject = f"[Costbook] {what}: +{money.fmt(impact, a.currency)} unexpected cost since {a.start}"
    lines = [
        f"Anomaly ({a.severity}) for {what}, {a.start} to {a.end} ({a.days} day{'s' if a.days > 1 else ''}).",
        (f"Actual {money.fmt(actual, a.currency)} vs expected {money.fmt(a.expected, a.currency)}: "
        f"+{money.fmt(impact, a.currency)}."),
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
        subject, body = _text(a, exact_actual(con, a))
        out.append(Alert("anomaly-alert", f"anomaly:{a.key}", subject, body, recipients(org, "team", a.team),
                         a.department))
    return out
