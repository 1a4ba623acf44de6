"""The result of one health check: ok, warn or fail, with a one-line reason.

A check's name is `<family>:<subject>` (`refresh:aws-prod`, `reconcile:2026-10`) or just the family
(`audit`, `disk`); a failing check is an incident that `alerts check` tells the admins about.

>>> Check("refresh:aws-prod", FAIL, "the last 2 refreshes failed").family
'refresh'
>>> worst([OK, WARN, OK]), EXIT_CODES[FAIL]
('warn', 2)
>>> ago(timedelta(hours=50)), ago(timedelta(minutes=90)), ago(timedelta(seconds=20))
('2 days', '1.5 h', '0 min')
"""

from dataclasses import dataclass
from datetime import timedelta

OK, WARN, FAIL = "ok", "warn", "fail"
EXIT_CODES = {OK: 0, WARN: 1, FAIL: 2}  # what a monitor (Nagios, cron wrappers) expects


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | warn | fail
    reason: str
    run_id: int | None = None  # the failed ingest run whose problems explain it

    @property
    def family(self) -> str:
        return self.name.split(":", 1)[0]


def worst(statuses) -> str:
    return max(statuses, key=EXIT_CODES.get, default=OK)


def ago(delta: timedelta) -> str:
    """A duration as a person says it: minutes below an hour, hours below two days, then days."""
    hours = delta.total_seconds() / 3600
    if hours < 1:
        return f"{int(delta.total_seconds() // 60)} min"
    if hours < 48:
        return f"{hours:.1f} h".replace(".0 h", " h")
    return f"{int(hours // 24)} days"
