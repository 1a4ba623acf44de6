"""Sending e-mail and webhooks, and a durable log that sends each message once.

Settings come from the environment or `.streamlit/secrets.toml` (lib.store.secret), never the state db:

    [smtp]                     # or COSTBOOK_SMTP_HOST, _PORT, _USER, _PASSWORD, _FROM, _STARTTLS, _SSL
    host = "smtp.example.com"
    port = 587
    user = "costbook"
    password = "..."
    from = "costbook@example.com"
    starttls = true
    domain = "example.com"     # COSTBOOK_MAIL_DOMAIN: <username>@domain when a user has no address
    [webhooks]                 # or COSTBOOK_WEBHOOKS="ops=https://...,finance=https://..."
    ops = "https://hooks.slack.com/services/..."

`deliver_once(store, key, channel, recipient, send_fn)` is the whole delivery contract: a
(key, channel, recipient) that was sent is never sent again; a failure is recorded with its
error and sent by the next call with the same key. Webhook URLs are secrets, so the log
names a webhook (`webhook:ops`), never its URL.

>>> deliver_once(store, "budget:team:web:2026-03:actual:80", "email", "dana@example.com",
...              lambda: send_email(smtp_settings(), ["dana@example.com"], "Budget", "80% spent"))  # doctest: +SKIP
'sent'
"""

import json
import os
import smtplib
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from lib.store import secret
from lib.store.state import Store, now_iso, state

STALE_SENDING = timedelta(minutes=15)  # a 'sending' row older than this was left by a crashed run
TIMEOUT_S = 10


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str = ""
    password: str = ""
    sender: str = "costbook@localhost"
    starttls: bool = False
    ssl: bool = False


def _flag(value) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def smtp_settings() -> SmtpSettings | None:
    """SMTP settings from COSTBOOK_SMTP_* (which win) or [smtp] in secrets.toml; None if no host is set."""
    conf = {k.lower(): v for k, v in secret.section("smtp").items()}
    for name in ("host", "port", "user", "password", "from", "starttls", "ssl"):
        if os.environ.get(f"COSTBOOK_SMTP_{name.upper()}"):
            conf[name] = os.environ[f"COSTBOOK_SMTP_{name.upper()}"]
    if not conf.get("host"):
        return None
    return SmtpSettings(str(conf["host"]), int(conf.get("port") or 25), str(conf.get("user") or ""),
                        str(conf.get("password") or ""), str(conf.get("from") or "costbook@localhost"),
                        _flag(conf.get("starttls", False)), _flag(conf.get("ssl", False)))


def mail_domain() -> str:
    return os.environ.get("COSTBOOK_MAIL_DOMAIN") or str(secret.section("smtp").get("domain") or "")


def webhooks() -> dict[str, str]:
    """Configured webhooks, name -> URL."""
    env = os.environ.get("COSTBOOK_WEBHOOKS", "")
    if env:
        pairs = [p.split("=", 1) for p in env.split(",") if "=" in p]
        return {name.strip(): url.strip() for name, url in pairs}
    return {str(k): str(v) for k, v in secret.section("webhooks").items()}


def send_email(settings: SmtpSettings | None, to: list[str], subject: str, body: str, attachments=()) -> None:
    """Send one plain-text e-mail; attachments are (file name, bytes, mime type). Raises on failure."""
    if settings is None:
        raise RuntimeError("e-mail is not configured (no SMTP host in [smtp] or COSTBOOK_SMTP_HOST)")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.sender, ", ".join(to), subject
    msg.set_content(body)
    for name, data, mime in attachments:
        main, _, sub = mime.partition("/")
        msg.add_attachment(data, maintype=main, subtype=sub or "octet-stream", filename=name)
    smtp_class = smtplib.SMTP_SSL if settings.ssl else smtplib.SMTP
    with smtp_class(settings.host, settings.port, timeout=TIMEOUT_S) as smtp:
        if settings.starttls and not settings.ssl:
            smtp.starttls()
        if settings.user:
            smtp.login(settings.user, settings.password)
        smtp.send_message(msg)


def webhook_payload(title: str, text: str, colour: str = "D9534F") -> dict:
    """One JSON body that Slack (`text`) and Microsoft Teams (MessageCard) both accept."""
    return {"text": f"*{title}*\n{text}", "@type": "MessageCard", "@context": "http://schema.org/extensions",
            "summary": title, "title": title, "themeColor": colour}


def send_webhook(url: str, payload: dict) -> None:
    """POST a JSON payload; raises on a connection error or a non-2xx answer."""
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=TIMEOUT_S) as resp:
        if not 200 <= resp.status < 300:
            raise RuntimeError(f"webhook answered HTTP {resp.status}")


def _log(store: Store):
    """A write transaction on the delivery log without an fsync per commit: only a power cut, not a
    crash, can lose the last marks, and then a message may go out twice."""
    return state(store, write=True, durable=False)


def _claim(store: Store, key, channel, recipient, kind, subject, body, department) -> bool:
    """Mark a delivery as being sent now, unless it was sent or another run is sending it."""
    now = now_iso()
    with _log(store) as db:
        row = db.execute("select status, tried_at from deliveries where key = ? and channel = ? and recipient = ?",
                         (key, channel, recipient)).fetchone()
        if row and row[0] == "sent":
            return False
        if row and row[0] == "sending" and row[1] and \
                datetime.fromisoformat(row[1]) > datetime.now(UTC) - STALE_SENDING:
            return False
        db.execute(
            "insert into deliveries (kind, key, channel, recipient, subject, body, department, status, attempts, "
            "created_at, tried_at) values (?, ?, ?, ?, ?, ?, ?, 'sending', 1, ?, ?) "
            "on conflict (key, channel, recipient) do update set status = 'sending', "
            "attempts = attempts + 1, tried_at = excluded.tried_at",
            (kind, key, channel, recipient, subject, body, department, now, now))
    return True


def deliver_once(store: Store, key: str, channel: str, recipient: str, send_fn, kind: str = "",
                 subject: str = "", body: str = "", department: str | None = None) -> str:
    """Send unless already sent: returns 'sent', 'failed' (recorded, retried next time) or 'skipped'."""
    if not _claim(store, key, channel, recipient, kind, subject, body, department):
        return "skipped"
    try:
        send_fn()
    except Exception as exc:  # noqa: BLE001 - any failure of a mail server or webhook is recorded, never raised
        error = (" ".join(str(exc).split()) or type(exc).__name__)[:300]
        with _log(store) as db:
            db.execute("update deliveries set status = 'failed', last_error = ? where key = ? and channel = ? "
                       "and recipient = ?", (f"{type(exc).__name__}: {error}", key, channel, recipient))
        return "failed"
    with _log(store) as db:
        db.execute("update deliveries set status = 'sent', sent_at = ?, last_error = '' where key = ? "
                   "and channel = ? and recipient = ?", (now_iso(), key, channel, recipient))
    return "sent"


def failed_deliveries(store: Store, kinds: tuple[str, ...]) -> list[dict]:
    """Deliveries of these kinds whose last attempt failed (to resend from their stored text)."""
    marks = ",".join("?" * len(kinds))
    with state(store) as db:
        rows = db.execute(f"select kind, key, channel, recipient, subject, body, department from deliveries "
                          f"where status = 'failed' and kind in ({marks}) order by id", kinds).fetchall()
    return [dict(r) for r in rows]
