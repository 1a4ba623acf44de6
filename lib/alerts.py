"""Alerts: find what is due (budget thresholds, and whatever ALERT_SOURCES adds) and send it once.

`check` is safe to run every hour from cron: each alert has a dedup key, and lib.notify
sends a (key, channel, recipient) once; a failed send is retried on the next run, even if
the alert is no longer due by then (the stored text is resent).

Budget alerts: per budget, on the actual spend (default thresholds 50/80/100 %) and on
the forecast to the end of the period (default 100 %), for periods running now (and for
three days after their end, while late charges arrive). Only the highest threshold newly
crossed is sent, so a first run at 85 % sends one "80 %" alert, not two.

>>> result = check(store, con)            # doctest: +SKIP
>>> result.sent, result.failed, result.skipped   # doctest: +SKIP
(3, 0, 12)
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pandas as pd

from lib import access, money, notify
from lib.anomaly_alerts import anomaly_alerts
from lib.budget_status import Status, budget_status
from lib.org import Org, current_org
from lib.store import Store, state

GRACE_DAYS = 3
RETRIED_KINDS = ("budget-alert", "anomaly-alert")  # resendable from their stored text


@dataclass(frozen=True)
class Alert:
    kind: str  # 'budget-alert', 'anomaly-alert', ...: kinds ending in 'alert' are retried from their stored text
    key: str  # dedup key: the same key is never sent twice to the same recipient
    subject: str
    body: str
    recipients: tuple[str, ...]  # usernames
    department: str | None = None  # who may see it in the alert log (None: unscoped users only)


@dataclass(frozen=True)
class CheckResult:
    alerts: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    errors: tuple[str, ...] = field(default_factory=tuple)


def recipients(org: Org, scope: str, owner: str) -> tuple[str, ...]:
    """Usernames told about a team's or department's budget: the team's owners and the department heads."""
    if scope == "team":
        team = org.team(owner)
        names = [*team.owners, *org.department(team.department).heads]
    else:
        names = list(org.department(owner).heads)
    return tuple(dict.fromkeys(names))


def email_of(store: Store, username: str, known: dict | None = None) -> str | None:
    """A user's e-mail from the users table, else <username>@<mail domain>; None for a disabled user."""
    known = known if known is not None else emails(store)
    if username in known and known[username] is None:
        return None  # disabled accounts get no mail
    if known.get(username):
        return known[username]
    domain = notify.mail_domain()
    return f"{username}@{domain}" if domain else None


def emails(store: Store) -> dict[str, str | None]:
    """username -> e-mail ('' when none is set, None when the account is disabled)."""
    with state(store) as db:
        return {u: None if disabled else (e or "")
                for u, e, disabled in db.execute("select username, email, disabled from users")}


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


# Each source: (store, con, now) -> list[Alert]. Add a kind of alert with one line here.
ALERT_SOURCES: list = [budget_alerts, anomaly_alerts]


def _send(store: Store, alert: Alert, smtp, hooks: dict, known: dict) -> list[tuple[tuple, str]]:
    """Send one alert to each recipient and webhook: [((key, channel, recipient), outcome)]."""
    out = []
    for username in alert.recipients:
        address = email_of(store, username, known) or f"{username} (no e-mail address)"
        send = _mail(smtp, address, alert.subject, alert.body)
        outcome = notify.deliver_once(store, alert.key, "email", address, send, alert.kind, alert.subject,
                                      alert.body, alert.department)
        out.append(((alert.key, "email", address), outcome))
    for name in hooks:
        send = _hook(hooks, name, alert.subject, alert.body)
        outcome = notify.deliver_once(store, alert.key, "webhook", f"webhook:{name}", send, alert.kind,
                                      alert.subject, alert.body, alert.department)
        out.append(((alert.key, "webhook", f"webhook:{name}"), outcome))
    return out


def _mail(smtp, address: str, subject: str, body: str):
    def send():
        if "@" not in address:
            raise RuntimeError("no e-mail address: add one to the user or set a mail domain")
        notify.send_email(smtp, [address], subject, body)
    return send


def _hook(hooks: dict, name: str, subject: str, body: str):
    def send():
        if name not in hooks:
            raise RuntimeError(f"webhook {name} is no longer configured")
        notify.send_webhook(hooks[name], notify.webhook_payload(subject.removeprefix("[Costbook] "), body))
    return send


def _retry_old(store: Store, done: set, smtp, hooks: dict) -> list[str]:
    """Resend failed alerts not handled in this run (e.g. a forecast that fell back) from their stored text."""
    outcomes = []
    for row in notify.failed_deliveries(store, RETRIED_KINDS):
        triple = (row["key"], row["channel"], row["recipient"])
        if triple in done:
            continue
        if row["channel"] == "email":
            send = _mail(smtp, row["recipient"], row["subject"], row["body"])
        else:
            send = _hook(hooks, row["recipient"].removeprefix("webhook:"), row["subject"], row["body"])
        outcomes.append(notify.deliver_once(store, *triple, send))
    return outcomes


def check(store: Store, con, now: datetime | None = None) -> CheckResult:
    """Evaluate every alert source and send what is due; a failing source or channel never stops the rest."""
    now = now or datetime.now(UTC)
    smtp, hooks = notify.smtp_settings(), notify.webhooks()
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
    visible = [dict(r) for r in rows if user.scope is None or r["department"] in user.scope][:limit]
    cols = ["time", "kind", "subject", "channel", "recipient", "status", "attempts", "last_error", "department"]
    return pd.DataFrame(visible, columns=cols)
