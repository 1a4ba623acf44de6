"""Chargeback statements: what one team (or department) owes for a billing period, line by line.

A statement is built from the allocated view (the whole bill allocated first, then filtered
to the subject), one block per billing currency. Every line is rounded once, by largest
remainder, so the lines of a block add up exactly to its total; the provider, account and
shared-cost tables are sums of those rounded lines, so every table adds up too.

>>> st, problems = build(store, con, user, "web", "2026-10")      # doctest: +SKIP
>>> st.number, st.blocks[0].total                                  # doctest: +SKIP
('CB-2026-10-web-1', Decimal('1234.56'))
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from lib.allocation import cache
from lib.allocation import resources as allocation_resources
from lib.config.org import Org, parse_org
from lib.core import access, focus, money, periods
from lib.core.periods import period_problem
from lib.month_end import closes
from lib.store.lake import engine
from lib.store.state import Store, state

SUBJECTS = {"team": "team", "department": "department"}  # subject kind -> allocated column
TREND_MONTHS = 6
TOP_RESOURCES = 10


@dataclass(frozen=True)
class Line:
    team: str
    provider: str
    service: str
    account_id: str
    account_name: str
    rule: str  # '' for charges no rule touched (cannot happen for a team, kept for Unallocated)
    share: Decimal  # 1 for direct charges, the team's share for split ones
    amount: Decimal  # rounded to cents


@dataclass(frozen=True)
class Adjustment:
    source_period: str  # the closed period whose data the provider restated
    team: str
    provider: str
    amount: Decimal  # rounded to cents


@dataclass(frozen=True)
class Block:
    currency: str
    total: Decimal  # the period's charges, rounded
    previous: Decimal | None  # the previous period's total, rounded
    budget: Decimal | None
    lines: tuple[Line, ...]
    adjustments: tuple[Adjustment, ...] = ()
    trend: tuple[tuple[str, Decimal], ...] = ()  # (period, rounded total), oldest first
    resources: tuple[tuple[str, str, str, Decimal], ...] = ()  # (resource id, name, service, rounded), top first

    @property
    def due(self) -> Decimal:
        return self.total + sum((a.amount for a in self.adjustments), Decimal(0))

    @property
    def change(self) -> Decimal | None:
        return None if self.previous is None else self.total - self.previous

    @property
    def variance(self) -> Decimal | None:
        """Budget left (positive) or overspent (negative)."""
        return None if self.budget is None else self.budget - self.total

    def by(self, *fields: str) -> list[tuple]:
        """Sums of the rounded lines grouped by Line fields, largest first: by('provider', 'service')."""
        sums: dict[tuple, Decimal] = {}
        for line in self.lines:
            key = tuple(getattr(line, f) for f in fields)
            sums[key] = sums.get(key, Decimal(0)) + line.amount
        return sorted(((*k, v) for k, v in sums.items()), key=lambda r: (-r[-1], r[:-1]))

    def shared(self) -> list[Line]:
        return [line for line in self.lines if line.share != 1]


@dataclass(frozen=True)
class Statement:
    number: str
    kind: str  # 'team' | 'department'
    subject: str  # team or department id
    subject_name: str
    department: str
    department_name: str
    cost_center: str
    organization: str
    period: str
    metric: str  # 'effective' | 'billed' | 'list'
    status: str  # 'draft' (period open) or 'final' (period closed)
    rules_version: int | None
    data_version: str  # fingerprint of the lake files the period was read from
    blocks: tuple[Block, ...]


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
    with state(store) as db:
        row = db.execute("select value from settings where key = 'organization_name'").fetchone()
    return row[0] if row else "Costbook"


def build(store: Store, con, user: access.User, subject: str, period: str, metric: str = "effective",
          kind: str = "team", closing: bool = False) -> tuple[Statement | None, list[str]]:
    """The statement of a team (or department) for a period, from the `allocated` view on con.

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
    adjustments = closes.adjustments(store, con, period, metric)
    out = []
    for subject in subjects:
        name, dept, dept_name, cost_center = found[subject]
        teams = {t.id for t in org.teams if (t.id if kind == "team" else t.department) == subject}
        mine = [a for a in adjustments if a[2] in teams]
        out.append(Statement(f"CB-{period}-{subject}-{issue}", kind, subject, name, dept, dept_name, cost_center,
                             *common, tuple(parts.blocks(subject, mine))))
    return out, []


def has_data(con, period: str) -> bool:
    return con.execute("select count(*) from allocated where x_BillingPeriod = ?", [period]).fetchone()[0] > 0


def rules_version(con, period: str) -> int | None:
    return con.execute("select max(rules_version) from allocated where x_BillingPeriod = ?", [period]).fetchone()[0]


def period_lines(con, period: str, metric: str) -> dict[tuple[str, str], list[Line]]:
    """Every team's rounded statement lines for a period, keyed by (team, currency); one query.

    The journal and the reconciliation use this so they agree with the statements to the cent.
    """
    if metric not in focus.METRICS:
        raise ValueError(f"unknown cost basis {metric!r}")
    rows = con.execute(_LINES_SQL.format(metric=metric, column="team", subjects="true"), [period]).fetchall()
    groups: dict[tuple[str, str], list] = {}
    for r in rows:
        groups.setdefault((r[2], r[1]), []).append(r[1:])
    return {key: _round_rows(rows) for key, rows in groups.items()}


def _round_rows(rows) -> list[Line]:
    amounts = money.round_lines([money.to_decimal(r[8]) for r in rows]) if rows else []
    return [Line(*r[1:7], money.to_decimal(r[7]), a) for r, a in zip(rows, amounts)]


def _in(column: str, values: list[str]) -> str:
    return f"{column} in ({', '.join('?' for _ in values)})" if values else "false"


class _Parts:
    """Every query a statement needs, run once for all the subjects; blocks(subject) assembles one."""

    def __init__(self, store: Store, con, kind: str, subjects: list[str], period: str, metric: str):
        column, self.period = SUBJECTS[kind], period
        lines = con.execute(_LINES_SQL.format(metric=metric, column=column, subjects=_in(column, subjects)),
                            [period, *subjects]).fetchall()
        first = periods.previous_period(period, TREND_MONTHS - 1)
        trend = con.execute(_TREND_SQL.format(metric=metric, column=column, subjects=_in(column, subjects)),
                            [first, period, *subjects]).fetchall()
        source = allocation_resources.resources_file(store, con, period)
        resources = con.execute(TOP_RESOURCES_SQL.format(metric=metric, source=source, column=column,
                                                         subjects=_in(column, subjects)),
                                [period, *subjects, TOP_RESOURCES]).fetchall()
        self.lines, self.trend, self.resources = _by_first(lines), _by_first(trend), _by_first(resources)
        with state(store) as db:
            rows = db.execute("select owner, currency, amount from budgets where scope = ? and period = ?",
                              (kind, period)).fetchall()
        self.budgets = {(o, c): money.round_total(money.to_decimal(a)) for o, c, a in rows}

    def blocks(self, subject: str, adjustments: list) -> list[Block]:
        rows, trend_rows = self.lines.get(subject, []), self.trend.get(subject, [])
        resources = [(*r[:4], money.round_total(money.to_decimal(r[4]))) for r in self.resources.get(subject, [])]
        out = []
        for cur in sorted({r[0] for r in rows} | {a[0] for a in adjustments}):
            # Rounded per team, so a department statement adds up to its teams' statements.
            mine = [r for r in rows if r[0] == cur]
            lines = tuple(li for team in sorted({r[1] for r in mine})
                          for li in _round_rows([r for r in mine if r[1] == team]))
            trend = tuple((p, money.round_total(v)) for c, p, v in trend_rows if c == cur)
            previous = next((v for p, v in trend if p == periods.previous_period(self.period)), None)
            adj = _round_adjustments([a[1:] for a in adjustments if a[0] == cur])
            out.append(Block(cur, sum((line.amount for line in lines), Decimal(0)), previous,
                             self.budgets.get((subject, cur)), lines, adj, trend,
                             tuple(r[1:] for r in resources if r[0] == cur)))
        return out


def _by_first(rows) -> dict[str, list[tuple]]:
    """Rows whose first value is the subject, grouped by it (the subject dropped, order kept)."""
    out: dict[str, list[tuple]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(tuple(r[1:]))
    return out


_LINES_SQL = """
    select {column}, BillingCurrency, team, ProviderName, ServiceName, coalesce(SubAccountId, ''),
           coalesce(SubAccountName, ''), coalesce(rule, ''), coalesce(share, 1), sum({metric})
    from allocated where x_BillingPeriod = ? and {subjects}
    group by all order by 1, 2, 3, 4, 5, 6, 7, 8, 9"""

_TREND_SQL = """
    select {column}, BillingCurrency, x_BillingPeriod, sum({metric}) from allocated
    where x_BillingPeriod between ? and ? and {subjects} group by all order by 1, 2, 3"""

TOP_RESOURCES_SQL = """
    select * from (
        select {column} as subject, BillingCurrency, coalesce(ResourceId, '') as rid,
               coalesce(ResourceName, '') as rname, ServiceName, sum({metric}) as amount
        from {source} where x_BillingPeriod = ? and {subjects} and ResourceId is not null group by 1, 2, 3, 4, 5)
    qualify row_number() over (partition by subject, BillingCurrency order by amount desc, rid) <= ?
    order by 1, 2, 6 desc, 3"""


def _round_adjustments(raw: list[tuple[str, str, str, Decimal]]) -> tuple[Adjustment, ...]:
    """raw: (source period, team, provider, exact amount) -> rounded Adjustments adding up exactly."""
    rounded = money.round_lines([a for *_, a in raw]) if raw else []
    return tuple(Adjustment(p, t, prov, a) for (p, t, prov, _), a in zip(raw, rounded) if a != 0)


def teams_with_charges(store: Store, con, user: access.User, period: str) -> list[str]:
    """Team ids (visible to the user) that have allocated charges in the period, in org order."""
    have = {r[0] for r in con.execute("select distinct team from allocated where x_BillingPeriod = ?",
                                      [period]).fetchall()}
    return [t.id for t in organization(store).teams_of(user.scope) if t.id in have]


def summary(store: Store, con, user: access.User, period: str, metric: str = "effective") -> list[dict]:
    """One row per visible team and currency: the total and amount charged its statement shows."""
    access.require(user, "export")
    visible = {t.id: t for t in organization(store).teams_of(user.scope)}
    adjust: dict[tuple[str, str], list[Decimal]] = {}
    for cur, _, team, _, amount in closes.adjustments(store, con, period, metric):
        adjust.setdefault((team, cur), []).append(amount)
    lines = period_lines(con, period, metric)
    keys = sorted(set(lines) | set(adjust))
    out = []
    for team, cur in keys:
        if team not in visible:
            continue
        total = sum((li.amount for li in lines.get((team, cur), [])), Decimal(0))
        due = total + sum(money.round_lines(adjust.get((team, cur), [])), Decimal(0))
        out.append({"team": team, "name": visible[team].name, "department": visible[team].department,
                    "currency": cur, "total": total, "amount_charged": due})
    return out


def prepare(store: Store, con):
    """The engine over the lake with an up-to-date `allocated` view (lib.allocation.cache); returns con."""
    engine(store, con)
    cache.refresh_view(store, con)
    return con
