"""Triage of anomalies: new, acknowledged, expected, recurring or resolved, with a comment; kept and audited.

Triage teaches. An anomaly marked *expected* covers later anomalies with the same cause (same
team, service and account) for EXPECTED_DAYS after it started; one marked *recurring* covers,
for good, later anomalies with the same cause at the same point of the month (the same day of
month, give or take a day, or the same day before the month's end: a month-end batch). They
show with that state and a comment naming the decision, and never alert. `effect()` is the
sentence that says so when the decision is saved.

>>> pattern(date(2026, 3, 30)), pattern(date(2026, 3, 15))
('month-end-1', 'day-15')
>>> set_state(store, user, anomaly, "recurring", "month-end batch")   # doctest: +SKIP
[]
"""

from dataclasses import replace
from datetime import date, timedelta

from lib.core import access
from lib.reports.rhythm import EOM_DAYS, days_of
from lib.store import audit
from lib.store.state import Store, now_iso, state

STATES = ("new", "acknowledged", "expected", "recurring", "resolved")
TEACHING = ("expected", "recurring")
EXPECTED_DAYS = 90


def pattern(day: date) -> str:
    """Where in its month a day falls: 'month-end-N' (N days before the last) or 'day-D'."""
    d = days_of(day, 1)
    return f"month-end-{int(d.eom[0])}" if d.eom[0] < EOM_DAYS else f"day-{int(d.dom[0])}"


def _same_pattern(a: str, b: str) -> bool:
    if a.startswith("day-") and b.startswith("day-"):
        return abs(int(a[4:]) - int(b[4:])) <= 1
    return a == b


def covers(cause: str, other: str) -> bool:
    """Does a decision about `cause` cover an anomaly with cause `other` (team|service|account)?

    A cause without an account ('web|Amazon EC2|') covers the service in every account.
    """
    return cause == other or (cause.endswith("|") and other.startswith(cause))


def effect(anomaly, new_state: str) -> str:
    """What the decision will do to later anomalies, in a sentence (empty for states that teach nothing)."""
    what = anomaly.cause.strip("|").replace("|", " / ")
    if new_state == "expected":
        until = anomaly.start + timedelta(days=EXPECTED_DAYS)
        return f"Later anomalies of {what} until {until} will show as expected and not alert."
    if new_state == "recurring":
        p = pattern(anomaly.start)
        ends = ("on the last day", "on the second-to-last day", "on the third-to-last day")
        when = (ends[int(p[10:])] if p.startswith("month-end") else f"around day {p[4:]}") + " of a month"
        return f"Later anomalies of {what} {when} will show as recurring and not alert."
    return ""


def set_state(store: Store, user: access.User, anomaly, new_state: str, comment: str = "") -> list[str]:
    """Record a triage decision and its audit entry in one transaction; returns problems (empty = done)."""
    access.require(user, "triage")
    if not user.sees(anomaly.department):
        raise access.PermissionDenied(f"{user.username} may not triage anomalies of team {anomaly.team}")
    if new_state not in STATES:
        return [f"state: {new_state!r} is not one of {', '.join(STATES)}"]
    if new_state in TEACHING and not comment.strip():
        return [f"comment: say why this cost is {new_state}"]
    with state(store, write=True) as db:
        db.execute(
            "insert into anomaly_triage (anomaly_key, cause, team, department, start_date, state, comment, "
            "updated_at, updated_by, pattern) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (anomaly_key) do "
            "update set state = excluded.state, comment = excluded.comment, cause = excluded.cause, "
            "pattern = excluded.pattern, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (anomaly.key, anomaly.cause, anomaly.team, anomaly.department, anomaly.start.isoformat(), new_state,
             comment.strip(), now_iso(), user.username, pattern(anomaly.start)))
        audit.record(store, user, "anomaly.triage", anomaly.key,
                     {"state": new_state, "comment": comment.strip(), "impact": str(anomaly.impact),
                      "currency": anomaly.currency}, db=db)
    return []


def decisions(store: Store) -> dict[str, tuple[str, str]]:
    """anomaly key -> (state, comment) for every triaged anomaly."""
    with state(store) as db:
        rows = db.execute("select anomaly_key, state, comment from anomaly_triage").fetchall()
    return {key: (st, comment) for key, st, comment in rows}


def _teaching(store: Store) -> list[tuple]:
    with state(store) as db:
        rows = db.execute("select cause, start_date, anomaly_key, state, pattern, comment from anomaly_triage "
                          "where state in ('expected', 'recurring') order by start_date").fetchall()
    return [(c, date.fromisoformat(s), k, st, p, comment) for c, s, k, st, p, comment in rows]


def _covering(x, taught: list[tuple]) -> tuple | None:
    for cause, start, key, st, pat, comment in taught:
        if start >= x.start or not covers(cause, x.cause):
            continue
        if st == "expected" and x.start <= start + timedelta(days=EXPECTED_DAYS):
            return st, f"same cause as {key} (expected: {comment})"
        if st == "recurring" and _same_pattern(pat, pattern(x.start)):
            return st, f"same pattern as {key} (recurring: {comment})"
    return None


def with_states(store: Store, found: list) -> list:
    """The anomalies with their triage state; untriaged ones covered by an earlier decision take its state."""
    made, taught = decisions(store), _teaching(store)
    out = []
    for x in found:
        if x.key in made:
            out.append(replace(x, state=made[x.key][0], comment=made[x.key][1]))
            continue
        hit = _covering(x, taught)
        out.append(replace(x, state=hit[0], comment=hit[1]) if hit else x)
    return out
