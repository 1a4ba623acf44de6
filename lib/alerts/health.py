"""Health of the billing pipeline itself: one check per concern, each ok / warn / fail with a reason.

The checks (in this order): the data key opens an encrypted store, disk space of the data
folder, the audit chain verifies, every watched source refreshed within its freshness target
with its last run ok, its data through a recent enough day, `refresh` and `alerts check` run
on schedule (a dead man's switch from their run records), the allocation cache is current for
every open period, the newest open and the last closed month reconcile. The same `run` feeds
`python -m lib health` (exit 0 ok / 1 warn / 2 fail), its Prometheus text file, the admin Health
page and the health alerts of `alerts check`.

A family of checks that raises becomes one failing check naming the error; the others still run.
Health is an admin's concern (permission manage_sources); the checks themselves read as the
system does, because reconciliation and run history are not scoped to departments.

>>> result = run(store, con, access.CLI)                 # doctest: +SKIP
>>> result.status, [c.name for c in result.checks if c.status != "ok"]   # doctest: +SKIP
('fail', ['refresh:partner-exports'])
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from lib.alerts.health_books import audit_check, cache_check, reconcile_checks
from lib.alerts.health_check import EXIT_CODES, FAIL, OK, WARN, Check, worst
from lib.alerts.health_sources import SourceRuns, data_checks, data_through, refresh_checks, source_runs
from lib.alerts.health_system import disk_check, disk_status, key_check, key_checks
from lib.alerts.jobs import SCHEDULES, LastRun, job_checks, last_run
from lib.core import access
from lib.store.state import Store

# (family, checks(store, con, now) -> [Check]): add a concern with one line here.
FAMILIES = [("data-key", key_checks), ("disk", disk_check), ("audit", audit_check), ("refresh", refresh_checks),
            ("data", data_checks), ("job", job_checks), ("allocation", cache_check),
            ("reconcile", reconcile_checks)]


@dataclass(frozen=True)
class Health:
    checked_at: datetime
    checks: tuple[Check, ...]
    sources: tuple[SourceRuns, ...] = ()
    data_through: dict[str, date] = field(default_factory=dict)
    jobs: tuple[LastRun, ...] = ()
    errored: tuple[str, ...] = ()  # families that could not run: their incidents stay as they are

    @property
    def status(self) -> str:
        return worst(c.status for c in self.checks)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def count(self, status: str) -> int:
        return sum(c.status == status for c in self.checks)

    def summary(self) -> str:
        return (f"health: {self.status} ({self.count(FAIL)} failing, {self.count(WARN)} warning, "
                f"{self.count(OK)} ok)")


def _guarded(family: str, checks, *args) -> tuple[list[Check], bool]:
    try:
        return checks(*args), False
    except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
        return [Check(family, FAIL, f"the check could not run: {type(exc).__name__}: {exc}".splitlines()[0])], True


def run(store: Store, con, user: access.User, now: datetime | None = None) -> Health:
    """Run every check; `con` is a DuckDB connection with the `charges` view (lib.store.lake.engine)."""
    access.require(user, "manage_sources")
    now = now or datetime.now(UTC)
    checks, errored = [], []
    for family, family_checks in FAMILIES:
        found, failed = _guarded(family, family_checks, store, con, now)
        checks += found
        errored += [family] if failed else []
    through = {} if "data" in errored else data_through(con, now)
    last = [r for r in (last_run(store, job) for job in SCHEDULES) if r]
    return Health(now, tuple(checks), tuple(source_runs(store).values()), through, tuple(last), tuple(errored))


def unopenable(data_dir: Path, now: datetime | None = None) -> Health:
    """The checks that need no store, for when it cannot be opened (a missing or wrong data key)."""
    return Health(now or datetime.now(UTC), (key_check(data_dir), disk_status(data_dir)),
                  errored=tuple(f for f, _ in FAMILIES))


MARKS = {OK: "OK", WARN: "WARN", FAIL: "FAIL"}


def text(health: Health) -> str:
    """One line per check, worst first, then the summary: what `python -m lib health` prints."""
    ordered = sorted(health.checks, key=lambda c: -EXIT_CODES[c.status])
    width = max((len(c.name) for c in ordered), default=0)
    lines = [f"{MARKS[c.status]:<5} {c.name:<{width}}  {c.reason}" for c in ordered]
    return "\n".join(lines + [health.summary()]) + "\n"


def as_dict(health: Health) -> dict:
    """The JSON form: status, exit code, checks, and per source its newest runs and data."""
    return {
        "status": health.status, "exit_code": health.exit_code,
        "checked_at": health.checked_at.isoformat(timespec="seconds"),
        "checks": [{"name": c.name, "status": c.status, "reason": c.reason, "run": c.run_id} for c in health.checks],
        "sources": [s.__dict__ | {"data_through": str(health.data_through.get(s.source) or "") or None}
                    for s in health.sources],
        "jobs": [j.__dict__ for j in health.jobs],
    }
