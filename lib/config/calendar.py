"""Public holidays: a country's official calendar, per team if teams sit in different countries.

Spend dips on public holidays (people do not run batch jobs or test environments), so the
anomaly baseline does not learn from a holiday and the forecast expects its dip. The dates
come from the `holidays` package for the configured country (ISO code, optionally with a
subdivision: "US", "DE-BY"); settings change them, all optional:

  calendar.country         default country of every team (default US)
  calendar.country.<team>  a team's own country ("none" = no holidays for that team)
  calendar.add             extra company days off, comma separated YYYY-MM-DD
  calendar.remove          official holidays the company works on, same format

>>> c = Calendar("US", (("campaigns", "DE"),), frozenset(), frozenset({date(2026, 11, 11)}))
>>> sorted(d.isoformat() for d in c.days("web", date(2026, 11, 1), date(2026, 11, 30)))
['2026-11-26']
>>> sorted(d.isoformat() for d in c.days("campaigns", date(2026, 12, 20), date(2026, 12, 31)))
['2026-12-25', '2026-12-26']
"""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from lib.store.state import Store, state

DEFAULT_COUNTRY = "US"
NONE = "none"


@lru_cache(maxsize=64)
def official(country: str, year: int) -> frozenset[date]:
    """The public holidays of one country (or 'CC-SUB' subdivision) in one year; empty for 'none'."""
    if not country or country.lower() == NONE:
        return frozenset()
    import holidays

    code, _, sub = country.partition("-")
    return frozenset(holidays.country_holidays(code.upper(), subdiv=sub.upper() or None, years=year))


def country_problem(country: str) -> str | None:
    """None when the country (or subdivision) is known, else the sentence a user reads."""
    try:
        official(country, 2026)
    except NotImplementedError:
        return f"calendar: {country!r} is not a known country code (use ISO codes like US, DE, GB, or DE-BY)"
    return None


@dataclass(frozen=True)
class Calendar:
    default: str
    by_team: tuple[tuple[str, str], ...] = ()
    added: frozenset[date] = frozenset()
    removed: frozenset[date] = frozenset()

    def country(self, team: str) -> str:
        return dict(self.by_team).get(team, self.default)

    def days(self, team: str, first: date, last: date) -> frozenset[date]:
        """The team's holidays between first and last (inclusive)."""
        country = self.country(team)
        out = set()
        for year in range(first.year, last.year + 1):
            out |= official(country, year)
        if country.lower() != NONE:
            out |= self.added
        return frozenset(d for d in out - self.removed if first <= d <= last)


def _dates(text: str) -> frozenset[date]:
    out = set()
    for part in text.split(","):
        try:
            out.add(date.fromisoformat(part.strip()))
        except ValueError:
            continue  # a typo in a setting must not stop detection; calendar_problems names it
    return frozenset(out)


def calendar(store: Store | None) -> Calendar:
    """The calendar from settings (the default US calendar without a store)."""
    if store is None:
        return Calendar(DEFAULT_COUNTRY)
    with state(store) as db:
        rows = dict(db.execute("select key, value from settings where key like 'calendar.%'").fetchall())
    teams = tuple(sorted((k.split(".", 2)[2], v) for k, v in rows.items() if k.startswith("calendar.country.")))
    countries = [rows.get("calendar.country", DEFAULT_COUNTRY)] + [c for _, c in teams]
    if any(country_problem(c) for c in countries):
        teams = tuple((t, c) for t, c in teams if not country_problem(c))
        countries[0] = countries[0] if not country_problem(countries[0]) else DEFAULT_COUNTRY
    return Calendar(countries[0], teams, _dates(rows.get("calendar.add", "")), _dates(rows.get("calendar.remove", "")))
