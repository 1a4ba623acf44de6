"""Which days are fully delivered: per provider, the last day whose charges have settled.

Providers deliver a day's cost over the following day or two (AWS within about 24 hours, Azure
up to 72, Google about a day), so the newest days of a refresh are partial: judging them as
whole days would call every morning a drop and let the forecast count half a day as a day. A
day D of a source is complete when the refresh that delivered it finished at least the
provider's settle time after D ended; the settle time is the setting
`freshness.settle_hours.<ProviderName>` (default SETTLE_HOURS). Data without an ingest run
(a test table) is taken as complete.

>>> complete_day(date(2026, 11, 30), datetime(2026, 11, 30, 9, 0, tzinfo=UTC), 24)
datetime.date(2026, 11, 28)
>>> complete_day(date(2026, 6, 30), datetime(2026, 11, 30, 9, 0, tzinfo=UTC), 24)
datetime.date(2026, 6, 30)
"""

from datetime import UTC, date, datetime, timedelta

from lib.store.state import Store, state

SETTLE_HOURS = {"AWS": 24, "Microsoft": 72, "Google Cloud": 24}
DEFAULT_SETTLE = 24

EXTENT_SQL = """
select x_Source, ProviderName, max(cast(ChargePeriodStart as date))
from charges where ChargePeriodStart >= ? group by all
"""


def complete_day(last_day: date, refreshed: datetime, settle_hours: float) -> date:
    """The last day up to last_day that had settled when the refresh finished."""
    settled = (refreshed - timedelta(hours=settle_hours)).date() - timedelta(days=1)
    return min(last_day, settled)


def _settings(store: Store) -> tuple[dict[str, float], dict[str, datetime]]:
    with state(store) as db:
        hours = {k.split(".", 2)[2]: float(v) for k, v in db.execute(
            "select key, value from settings where key like 'freshness.settle_hours.%'").fetchall()}
        runs = dict(db.execute("select source, max(finished_at) from ingest_runs where outcome = 'ok' "
                               "group by source").fetchall())
    refreshed = {s: datetime.fromisoformat(t).replace(tzinfo=datetime.fromisoformat(t).tzinfo or UTC)
                 for s, t in runs.items() if t}
    return hours, refreshed


def complete_through(store: Store | None, con, since: date | None = None) -> dict[str, date]:
    """ProviderName -> its last fully delivered day (the earliest over the sources that deliver it)."""
    if store is None:
        return {}
    known = con.execute("select count(*) from duckdb_views() where view_name = 'charges'").fetchone()[0] + \
        con.execute("select count(*) from duckdb_tables() where table_name = 'charges'").fetchone()[0]
    if not known:
        return {}  # a connection without the lake (a test's own `allocated` table): nothing to say
    hours, refreshed = _settings(store)
    since = since or (datetime.now(UTC).date() - timedelta(days=400))
    out: dict[str, date] = {}
    for source, provider, last in con.execute(EXTENT_SQL, [since]).fetchall():
        settle = hours.get(provider, SETTLE_HOURS.get(provider, DEFAULT_SETTLE))
        day = complete_day(last, refreshed[source], settle) if source in refreshed else last
        out[provider] = min(out.get(provider, day), day)
    return out


def last_complete(fresh: dict[str, date], fallback: date | None) -> date | None:
    """The last day every current provider has delivered in full (fallback when nothing is known).

    A provider whose data stopped more than a week before the newest (an account moved away) does not hold it back.
    """
    if not fresh:
        return fallback
    newest = max(fresh.values())
    return min(d for d in fresh.values() if d >= newest - timedelta(days=7))
