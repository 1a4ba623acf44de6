"""Alerts: find what is due (budget thresholds, anomalies, health incidents) and send it once.

`check` is safe to run every hour from cron: each alert has a dedup key, and lib.notify
sends a (key, channel, recipient) once; a failed send is retried on the next run, even if
the alert is no longer due by then (the stored text is resent).

Health alerts (lib.alerts.incidents): a check of `python -m lib health` that starts failing is an
incident, told to the admins once, and once more when it is resolved.

Budget alerts: per budget, on the actual spend (default thresholds 50/80/100 %) and on
the forecast to the end of the period (default 100 %), for periods running now (and for
three days after their end, while late charges arrive). Only the highest threshold newly
crossed is sent, so a first run at 85 % sends one "80 %" alert, not two.

>>> result = check(store, con)            # doctest: +SKIP
>>> result.sent, result.failed, result.skipped   # doctest: +SKIP
(3, 0, 12)
"""

import time
from datetime import UTC, datetime

import pandas as pd

from lib.alerts import jobs
from lib.alerts.alert import Alert, CheckResult
from lib.alerts.anomaly import anomaly_alerts
from lib.alerts.budget import budget_alerts
from lib.alerts.incidents import health_alerts
from lib.core import access
from lib.notify import channels
from lib.notify.recipients import email_of, emails
from lib.store.state import Store, state

RETRIED_KINDS = ("budget-alert", "anomaly-alert", "health-alert")  # resendable from their stored text

# Each source: (store, con, now) -> list[Alert]. Add a kind of alert with one line here.
ALERT_SOURCES: list = [budget_alerts, anomaly_alerts, health_alerts]


def _send(store: Store, alert: Alert, smtp, hooks: dict, known: dict) -> list[tuple[tuple, str]]:
    """Send one alert to each recipient and webhook: [((key, channel, recipient), outcome)]."""
    out = []
    for username in alert.recipients:
        address = email_of(store, username, known) or f"{username} (no e-mail address)"
        send = _mail(smtp, address, alert.subject, alert.body)
        outcome = channels.deliver_once(store, alert.key, "email", address, send, alert.kind, alert.subject,
                                      alert.body, alert.department)
        out.append(((alert.key, "email", address), outcome))
    for name in hooks:
        send = _hook(hooks, name, alert.subject, alert.body)
        outcome = channels.deliver_once(store, alert.key, "webhook", f"webhook:{name}", send, alert.kind,
                                      alert.subject, alert.body, alert.department)
        out.append(((alert.key, "webhook", f"webhook:{name}"), outcome))
    return out


def _mail(smtp, address: str, subject: str, body: str):
    def send():
        if "@" not in address:
            raise RuntimeError("no e-mail address: add one to the user or set a mail domain")
        channels.send_email(smtp, [address], subject, body)
    return send


def _hook(hooks: dict, name: str, subject: str, body: str):
    def send():
        if name not in hooks:
            raise RuntimeError(f"webhook {name} is no longer configured")
        channels.send_webhook(hooks[name], channels.webhook_payload(subject.removeprefix("[Costbook] "), body))
    return send


def _retry_old(store: Store, done: set, smtp, hooks: dict) -> list[str]:
    """Resend failed alerts not handled in this run (e.g. a forecast that fell back) from their stored text."""
    outcomes = []
    for row in channels.failed_deliveries(store, RETRIED_KINDS):
        triple = (row["key"], row["channel"], row["recipient"])
        if triple in done:
            continue
        if row["channel"] == "email":
            send = _mail(smtp, row["recipient"], row["subject"], row["body"])
        else:
            send = _hook(hooks, row["recipient"].removeprefix("webhook:"), row["subject"], row["body"])
        outcomes.append(channels.deliver_once(store, *triple, send))
    return outcomes


def check(store: Store, con, now: datetime | None = None) -> CheckResult:
    """Evaluate every alert source and send what is due; a failing source or channel never stops the rest.

    Each run is recorded as a run of the job `alerts-check` (lib.alerts.jobs), from its start, so
    that the health checks see it run on schedule.
    """
    run_id, started = jobs.start(store, "alerts-check"), time.time()
    result = _check(store, con, now or datetime.now(UTC))
    summary = (f"{result.alerts} alert(s) due: {result.sent} sent, {result.failed} failed, {result.skipped} "
               f"already sent" + "".join(f"; {e}" for e in result.errors))
    jobs.finish(store, run_id, "failed" if result.failed or result.errors else "ok", summary, started)
    return result


def _check(store: Store, con, now: datetime) -> CheckResult:
    smtp, hooks = channels.smtp_settings(), channels.webhooks()
    alerts, errors = [], []
    for source in ALERT_SOURCES:
        try:
            alerts += source(store, con, now)
        except Exception as exc:  # noqa: BLE001 - one broken source must not silence the others
            errors.append(f"{getattr(source, '__name__', source)}: {type(exc).__name__}: {exc}")
    with state(store):  # held open so that closing each step's connection does not checkpoint the WAL every time
        known = emails(store)
        done = [pair for alert in alerts for pair in _send(store, alert, smtp, hooks, known)]
        outcomes = [o for _, o in done] + _retry_old(store, {t for t, _ in done}, smtp, hooks)
    return CheckResult(len(alerts), outcomes.count("sent"), outcomes.count("failed"), outcomes.count("skipped"),
                       tuple(errors))


def alert_log(store: Store, user: access.User, status: str | None = None, kind: str | None = None,
              limit: int = 1000) -> pd.DataFrame:
    """What was sent, when and to whom (newest first); scoped users see their departments' alerts only.

    status: 'sent' | 'failed' | None (all); kind: e.g. 'budget-alert' | None (all).
    """
    access.require(user, "view_spend")
    with state(store) as db:
        rows = db.execute("select coalesce(sent_at, tried_at) as time, kind, subject, channel, recipient, status, "
                          "attempts, last_error, department from deliveries where kind like '%alert' "
                          "and (? is null or status = ?) and (? is null or kind = ?) "
                          "order by coalesce(sent_at, tried_at) desc, id desc", (status, status, kind, kind)).fetchall()
    visible = [dict(r) for r in rows if user.sees(r["department"])][:limit]
    cols = ["time", "kind", "subject", "channel", "recipient", "status", "attempts", "last_error", "department"]
    return pd.DataFrame(visible, columns=cols)
