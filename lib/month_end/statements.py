"""Chargeback statements: what one team (or department) owes for a billing period, line by line.

A statement is read from the period's cells (lib.allocation.cells: the whole bill allocated
first, rounded to cents once, anchored on the invoices), filtered to the subject, one block per
billing currency. A line is a sum of cells, so the lines of a block add up exactly to its total,
the provider, account and shared-cost tables add up too, a department's statement is the sum of
its teams', and the journal and `totals` show the same cents.

>>> st, problems = build(store, con, user, "web", "2026-10")      # doctest: +SKIP
>>> st.number, st.blocks[0].total                                  # doctest: +SKIP
('CB-2026-10-web-1', Decimal('1234.56'))
"""

from decimal import Decimal
from functools import lru_cache

from lib.allocation import cache
from lib.allocation import resources as allocation_resources
from lib.config.org import Org, parse_org
from lib.core import access, focus, money, periods
from lib.core.periods import period_problem
from lib.month_end import closes
from lib.month_end.statement_records import Adjustment, Block, Line, Statement
from lib.month_end.statement_sql import LINES_SQL, TOP_RESOURCES_SQL, TREND_SQL
from lib.reports import usage
from lib.reports.palette import Palette
from lib.store.lake import engine
from lib.store.state import Store, state

SUBJECTS = {"team": "team", "department": "department"}  # subject kind -> cells column
TREND_MONTHS = 6
TOP_RESOURCES = 10


def subject_of(org: Org, user: access.User, kind: str, subject: str) -> tuple[str, str, str, str] | None:
    """(name, department id, department name, cost center) if the user may see it, else None.

    Out-of-scope subjects look exactly like unknown ones, so nothing leaks.
    """
    scope = user.scope
    if kind == "team":
        team = next((t for t in org.teams_of(scope) if t.id == subject), None)
        if team is None:
            return None
        dept = next((d for d in org.departments if d.id == team.department), None)
        return team.name, team.department, dept.name if dept else team.department, team.cost_center
    dept = next((d for d in org.departments if d.id == subject and (scope is None or d.id in scope)), None)
    return None if dept is None else (dept.name, dept.id, dept.name, "")


def organization(store: Store) -> Org:
    """The current org, parsed once per version (a ZIP builds 200 statements from the same org)."""
    with state(store) as db:
        row = db.execute("select id, yaml from org_versions order by id desc limit 1").fetchone()
    return _parsed_org(row[0], row[1]) if row else Org()


@lru_cache(maxsize=8)
def _parsed_org(version: int, text: str) -> Org:
    org, errors = parse_org(text, f"org version {version}")
    if errors:
        raise ValueError("; ".join(errors))
    return org


def organization_name(store: Store) -> str:
    """The company's name: `name` in org.yaml, else the organization_name setting, else nothing."""
    if organization(store).name:
        return organization(store).name
    with state(store) as db:
        row = db.execute("select value from settings where key = 'organization_name'").fetchone()
    return row[0] if row else ""


def build(store: Store, con, user: access.User, subject: str, period: str, metric: str = "effective",
          kind: str = "team", closing: bool = False) -> tuple[Statement | None, list[str]]:
    """The statement of a team (or department) for a period, from the `cells` view on con.

    closing=True builds the final issue that a month close freezes.
    """
    built, problems = build_all(store, con, user, period, metric, kind, [subject], closing)
    return (built[0] if built else None), problems


def build_all(store: Store, con, user: access.User, period: str, metric: str = "effective", kind: str = "team",
              subjects: list[str] | None = None, closing: bool = False) -> tuple[list[Statement], list[str]]:
    """The statements of several teams (or departments) for a period, in the order asked.

    subjects=None means every visible subject with charges. Each part of a statement (lines,
    trend, top resources, budgets, adjustments) is one set-based query for all the subjects,
    so a month's 200 statements cost about as much to query as one.
    """
    access.require(user, "export")
    problem = period_problem(period) or (None if metric in focus.METRICS else f"unknown cost basis {metric!r}")
    if problem:
        return [], [problem]
    org = organization(store)
    if subjects is None:
        subjects = teams_with_charges(store, con, user, period) if kind == "team" else [
            d.id for d in org.departments if user.sees(d.id)]
    found = {s: subject_of(org, user, kind, s) for s in subjects}
    unknown = [s for s, f in found.items() if f is None]
    if unknown:
        return [], [f"unknown {kind} {s!r}" for s in unknown]
    if not has_data(con, period):
        return [], [f"no charges for {period}"]
    record = None if closing else closes.current_close(store, period)
    issue = record.issue if record else closes.next_issue(store, period)
    status = "final" if record or closing else "draft"
    common = (organization_name(store), period, metric, status, rules_version(con, period),
              closes.data_fingerprint(store, period))
    parts = _Parts(store, con, kind, subjects, period, metric)
    palette = Palette.of(org)
    adjustments = closes.adjustments(store, con, period, metric)
    out = []
    for subject in subjects:
        name, dept, dept_name, cost_center = found[subject]
        teams = {t.id for t in org.teams if (t.id if kind == "team" else t.department) == subject}
        mine = [a for a in adjustments if a.team in teams]
        out.append(Statement(f"CB-{period}-{subject}-{issue}", kind, subject, name, dept, dept_name, cost_center,
                             *common, tuple(parts.blocks(subject, mine)), palette.colour(kind, subject)))
    return out, []


def has_data(con, period: str) -> bool:
    return con.execute("select count(*) from cells where x_BillingPeriod = ?", [period]).fetchone()[0] > 0


def rules_version(con, period: str) -> int | None:
    return con.execute("select max(rules_version) from cells where x_BillingPeriod = ?", [period]).fetchone()[0]


def period_lines(con, period: str, metric: str) -> dict[tuple[str, str], list[Line]]:
    """Every team's statement lines for a period, keyed by (team, currency); one query.

    The journal and the reconciliation use this so they agree with the statements to the cent.
    """
    if metric not in focus.METRICS:
        raise ValueError(f"unknown cost basis {metric!r}")
    rows = con.execute(LINES_SQL.format(metric=metric, column="team", subjects="true"), [period]).fetchall()
    groups: dict[tuple[str, str], list] = {}
    for r in rows:
        groups.setdefault((r[2], r[1]), []).append(_line(r[1:]))
    return groups


def _line(r, shares: dict | None = None) -> Line:
    """A Line from a LINES_SQL row without its subject: (currency, team, ..., share, amount); a line whose
    share varied by day (a usage split) gets the team's share of the month's usage from `shares`
    ((team, rule) -> share)."""
    share = money.to_decimal(r[7]) if r[7] is not None else (shares or {}).get((r[1], r[6]), Decimal(1))
    return Line(*r[1:7], share, money.to_decimal(r[8]))


def _in(column: str, values: list[str]) -> str:
    return f"{column} in ({', '.join('?' for _ in values)})" if values else "false"


class _Parts:
    """Every query a statement needs, run once for all the subjects; blocks(subject) assembles one."""

    def __init__(self, store: Store, con, kind: str, subjects: list[str], period: str, metric: str):
        column, self.period = SUBJECTS[kind], period
        lines = con.execute(LINES_SQL.format(metric=metric, column=column, subjects=_in(column, subjects)),
                            [period, *subjects]).fetchall()
        first = periods.previous_period(period, TREND_MONTHS - 1)
        trend = con.execute(TREND_SQL.format(metric=metric, column=column, subjects=_in(column, subjects)),
                            [first, period, *subjects]).fetchall()
        source = allocation_resources.resource_cents_file(store, con, period, metric)
        resources = con.execute(TOP_RESOURCES_SQL.format(metric=metric, source=source, column=column,
                                                         subjects=_in(column, subjects)),
                                [period, *subjects, TOP_RESOURCES]).fetchall()
        self.lines, self.trend, self.resources = _by_first(lines), _by_first(trend), _by_first(resources)
        self.usage = usage.shares(store, con, period, sorted({r[2] for r in lines}))
        self.shares = {(u.team, u.rule): u.share for u in self.usage}
        with state(store) as db:
            rows = db.execute("select owner, currency, amount from budgets where scope = ? and period = ?",
                              (kind, period)).fetchall()
        self.budgets = {(o, c): money.round_total(money.to_decimal(a)) for o, c, a in rows}

    def blocks(self, subject: str, adjustments: list[closes.Adjusted]) -> list[Block]:
        rows, trend_rows = self.lines.get(subject, []), self.trend.get(subject, [])
        resources = [(*r[:4], money.to_decimal(r[4])) for r in self.resources.get(subject, [])]
        out = []
        for cur in sorted({r[0] for r in rows} | {a.currency for a in adjustments}):
            lines = tuple(_line(r, self.shares) for r in rows if r[0] == cur)
            split = {(li.team, li.rule) for li in lines}
            trend = tuple((p, money.to_decimal(v)) for c, p, v in trend_rows if c == cur)
            previous = next((v for p, v in trend if p == periods.previous_period(self.period)), None)
            out.append(Block(cur, sum((line.amount for line in lines), Decimal(0)), previous,
                             self.budgets.get((subject, cur)), lines,
                             _adjustments([a for a in adjustments if a.currency == cur]), trend,
                             tuple(r[1:] for r in resources if r[0] == cur),
                             tuple(u for u in self.usage if (u.team, u.rule) in split)))
        return out


def _by_first(rows) -> dict[str, list[tuple]]:
    """Rows whose first value is the subject, grouped by it (the subject dropped, order kept)."""
    out: dict[str, list[tuple]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(tuple(r[1:]))
    return out


def _adjustments(adjusted: list[closes.Adjusted]) -> tuple[Adjustment, ...]:
    """A block's adjustments: per restated period, team and provider (the billing accounts summed), in cents."""
    sums: dict[tuple[str, str, str], Decimal] = {}
    for a in adjusted:
        key = (a.source_period, a.team, a.provider)
        sums[key] = sums.get(key, Decimal(0)) + a.amount
    return tuple(Adjustment(*key, amount) for key, amount in sorted(sums.items()) if amount != 0)


def teams_with_charges(store: Store, con, user: access.User, period: str) -> list[str]:
    """Team ids (visible to the user) that have allocated charges in the period, in org order."""
    have = {r[0] for r in con.execute("select distinct team from cells where x_BillingPeriod = ?",
                                      [period]).fetchall()}
    return [t.id for t in organization(store).teams_of(user.scope) if t.id in have]


def summary(store: Store, con, user: access.User, period: str, metric: str = "effective") -> list[dict]:
    """One row per visible team and currency: the total and amount charged its statement shows."""
    access.require(user, "export")
    visible = {t.id: t for t in organization(store).teams_of(user.scope)}
    adjust: dict[tuple[str, str], Decimal] = {}
    for a in closes.adjustments(store, con, period, metric):
        adjust[(a.team, a.currency)] = adjust.get((a.team, a.currency), Decimal(0)) + a.amount
    lines = period_lines(con, period, metric)
    out = []
    for team, cur in sorted(set(lines) | set(adjust)):
        if team not in visible:
            continue
        total = sum((li.amount for li in lines.get((team, cur), [])), Decimal(0))
        out.append({"team": team, "name": visible[team].name, "department": visible[team].department,
                    "currency": cur, "total": total, "amount_charged": total + adjust.get((team, cur), Decimal(0))})
    return out


def prepare(store: Store, con):
    """The engine over the lake with up-to-date `allocated` and `cells` views (lib.allocation.cache); returns con."""
    engine(store, con)
    cache.refresh_view(store, con)
    return con
