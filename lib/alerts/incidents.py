"""Health incidents and the alerts about them: told once when a check starts failing, once when it clears.

An incident opens on the first `alerts check` run that finds a check failing and is resolved on
the first run that no longer does (or no longer checks it: a source removed from settings.yaml,
a month that is no longer the last closed one). The alert of an incident goes to every enabled
admin by e-mail and to every webhook, once each (lib.notify); a warning is shown by `health`
and the Health page but never mailed. While a family of checks cannot run, its incidents stay
as they are: a check that could not look is not a check that passed.

>>> [a.key for a in health_alerts(store, con, now)]      # doctest: +SKIP
['health:refresh:partner-exports:1']
"""

from dataclasses import dataclass
from datetime import datetime

from lib.alerts.alert import Alert
from lib.alerts.health import Health, run
from lib.alerts.health_check import FAIL
from lib.core import access
from lib.notify.recipients import admins
from lib.store.state import Store, state

KIND = "health-alert"


@dataclass(frozen=True)
class Incident:
    id: int
    check_name: str
    opened_at: str
    reason: str
    resolved_at: str | None = None
    resolution: str = ""


COLUMNS = "id, check_name, opened_at, reason, resolved_at, resolution"


def open_incidents(store: Store, user: access.User) -> list[Incident]:
    """The incidents not resolved yet, oldest first (their reasons may name amounts: admins only)."""
    access.require(user, "manage_sources")
    with state(store) as db:
        rows = db.execute(f"select {COLUMNS} from health_incidents where resolved_at is null order by id").fetchall()
    return [Incident(*r) for r in rows]


def sync(store: Store, health: Health) -> tuple[list[Incident], list[Incident]]:
    """Open an incident per newly failing check, resolve those that passed: (open now, resolved now)."""
    failing = {c.name: c for c in health.checks  # a family that could not run fails as one check, its name
               if c.status == FAIL and (c.family not in health.errored or c.name == c.family)}
    current = {c.name: c for c in health.checks}
    at = health.checked_at.isoformat(timespec="seconds")
    resolved = []
    with state(store, write=True) as db:
        known = {i.check_name: i for i in (Incident(*r) for r in db.execute(
            f"select {COLUMNS} from health_incidents where resolved_at is null").fetchall())}
        for name, check in failing.items():
            if name not in known:
                db.execute("insert into health_incidents (check_name, opened_at, reason) values (?, ?, ?)",
                           (name, at, check.reason))
        for name, incident in known.items():
            if name in failing or name.split(":", 1)[0] in health.errored:
                continue
            now_says = current[name].reason if name in current else "no longer checked"
            db.execute("update health_incidents set resolved_at = ?, resolution = ? where id = ?",
                       (at, now_says, incident.id))
            resolved.append(Incident(incident.id, name, incident.opened_at, incident.reason, at, now_says))
    return open_incidents(store, access.CLI), resolved


def _failing(incident: Incident, recipients: tuple[str, ...]) -> Alert:
    subject = f"[Costbook] Health check failing: {incident.check_name}"
    body = "\n".join([f"{incident.check_name}: {incident.reason}", f"Failing since {incident.opened_at} (UTC).",
                      "See the Health page, or run `python -m lib health` on the Costbook machine. "
                      "You will be told when it passes again."])
    return Alert(KIND, f"health:{incident.check_name}:{incident.id}", subject, body, recipients)


def _resolved(incident: Incident, recipients: tuple[str, ...]) -> Alert:
    subject = f"[Costbook] Resolved: {incident.check_name}"
    body = "\n".join([f"{incident.check_name} passes again: {incident.resolution}",
                      f"It failed from {incident.opened_at} to {incident.resolved_at} (UTC): {incident.reason}"])
    return Alert(KIND, f"health:{incident.check_name}:{incident.id}:resolved", subject, body, recipients)


def health_alerts(store: Store, con, now: datetime) -> list[Alert]:
    """An alert per open incident (sent once per recipient) and per incident resolved by this run."""
    current, resolved = sync(store, run(store, con, access.CLI, now))
    told = admins(store)
    return [_failing(i, told) for i in current] + [_resolved(i, told) for i in resolved]
