"""Triage of anomalies: new, acknowledged, expected or resolved, with a comment; kept and audited.

An anomaly marked *expected* also covers later anomalies with the same cause (same team and the
same driving service) for EXPECTED_DAYS after it started: they show as expected and never alert.

>>> set_state(store, user, anomaly, "expected", "quarterly load test")   # doctest: +SKIP
>>> with_states(store, find(...))[0].state                                # doctest: +SKIP
'expected'
"""

from dataclasses import replace
from datetime import date, timedelta

from lib.core import access
from lib.store import audit
from lib.store.state import Store, now_iso, state

STATES = ("new", "acknowledged", "expected", "resolved")
EXPECTED_DAYS = 90


def set_state(store: Store, user: access.User, anomaly, new_state: str, comment: str = "") -> list[str]:
    """Record a triage decision and its audit entry in one transaction; returns problems (empty = done)."""
    access.require(user, "triage")
    if not user.sees(anomaly.department):
        raise access.PermissionDenied(f"{user.username} may not triage anomalies of team {anomaly.team}")
    if new_state not in STATES:
        return [f"state: {new_state!r} is not one of {', '.join(STATES)}"]
    if new_state == "expected" and not comment.strip():
        return ["comment: say why this cost is expected"]
    with state(store, write=True) as db:
        db.execute(
            "insert into anomaly_triage (anomaly_key, cause, team, department, start_date, state, comment, "
            "updated_at, updated_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (anomaly_key) do update set "
            "state = excluded.state, comment = excluded.comment, cause = excluded.cause, "
            "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (anomaly.key, anomaly.cause, anomaly.team, anomaly.department, anomaly.start.isoformat(), new_state,
             comment.strip(), now_iso(), user.username))
        audit.record(store, user, "anomaly.triage", anomaly.key,
                     {"state": new_state, "comment": comment.strip(), "impact": str(anomaly.impact),
                      "currency": anomaly.currency}, db=db)
    return []


def decisions(store: Store) -> dict[str, tuple[str, str]]:
    """anomaly key -> (state, comment) for every triaged anomaly."""
    with state(store) as db:
        rows = db.execute("select anomaly_key, state, comment from anomaly_triage").fetchall()
    return {key: (st, comment) for key, st, comment in rows}


def _expected_causes(store: Store) -> dict[str, list[tuple[date, str]]]:
    with state(store) as db:
        rows = db.execute("select cause, start_date, anomaly_key from anomaly_triage where state = 'expected'")
        out: dict[str, list[tuple[date, str]]] = {}
        for cause, start, key in rows.fetchall():
            out.setdefault(cause, []).append((date.fromisoformat(start), key))
    return out


def with_states(store: Store, found: list) -> list:
    """The anomalies with their triage state; untriaged ones with an expected earlier cause are expected."""
    made, causes = decisions(store), _expected_causes(store)
    out = []
    for x in found:
        if x.key in made:
            out.append(replace(x, state=made[x.key][0], comment=made[x.key][1]))
            continue
        covering = [key for start, key in causes.get(x.cause, [])
                    if start < x.start <= start + timedelta(days=EXPECTED_DAYS)]
        out.append(replace(x, state="expected", comment=f"same cause as {covering[0]}") if covering else x)
    return out
