"""Budgets: an amount in one currency per team or department for a month, fiscal quarter or fiscal year.

Finance loads them from CSV (or edits them in the app); a budget is identified by
(scope, owner, period), so loading a row again replaces it. A whole file is checked
against the current org before anything is saved: one bad row rejects the file.

    team,month,amount,currency
    web,2026-03,12000.00,USD
    engineering,2026-Q3,90000,USD          <- with a `scope` column saying `department`

Periods: 'YYYY-MM' (a month), 'YYYY-Qn' (fiscal quarter), 'FYYYYY' (fiscal year). The
fiscal year starts in the month stored in settings 'fiscal_year_start' (default 1) and is
named after the calendar year it ends in.

>>> period_months("2026-Q3")
('2026-07', '2026-08', '2026-09')
>>> period_months("FY2026", fy_start=4)[0]
'2025-04'
"""

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from lib.config.org import Org
from lib.config.versions import current_org
from lib.core import access
from lib.core.exports import csv_text
from lib.core.money import CURRENCIES
from lib.core.periods import is_period
from lib.core.problems import Problem
from lib.store import audit
from lib.store.state import Store, now_iso, state

DEFAULT_THRESHOLDS = (50, 80, 100)
DEFAULT_FORECAST_THRESHOLDS = (100,)  # a forecast at 50% of budget is normal, not news
SCOPES = ("team", "department")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^FY(\d{4})$")


@dataclass(frozen=True)
class Budget:
    scope: str  # 'team' | 'department'
    owner: str  # team or department id
    period: str  # 'YYYY-MM' | 'YYYY-Qn' | 'FYYYYY'
    amount: Decimal
    currency: str
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS
    forecast_thresholds: tuple[int, ...] = DEFAULT_FORECAST_THRESHOLDS

    @property
    def key(self) -> str:
        return f"{self.scope}:{self.owner}:{self.period}"


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    k = year * 12 + month - 1 + n
    return k // 12, k % 12 + 1


def period_months(period: str, fy_start: int = 1) -> tuple[str, ...]:
    """The 'YYYY-MM' months a budget period covers; () for a period that is not well-formed."""
    period = str(period).strip()
    if is_period(period):
        return (period,)
    if m := _QUARTER.match(period):
        first, count = (int(m[1]), fy_start), 3
        first = _add_months(*first, -12 if fy_start != 1 else 0)
        first = _add_months(*first, 3 * (int(m[2]) - 1))
    elif m := _YEAR.match(period):
        first, count = _add_months(int(m[1]), fy_start, -12 if fy_start != 1 else 0), 12
    else:
        return ()
    return tuple("{:04d}-{:02d}".format(*_add_months(*first, i)) for i in range(count))


def fiscal_year_start(store: Store) -> int:
    with state(store) as db:
        row = db.execute("select value from settings where key = 'fiscal_year_start'").fetchone()
    return int(row[0]) if row and str(row[0]).isdigit() and 1 <= int(row[0]) <= 12 else 1


def department_of(org: Org, budget: Budget) -> str:
    return org.team(budget.owner).department if budget.scope == "team" else budget.owner


def _thresholds(text: str | None, default: tuple[int, ...]) -> tuple[int, ...] | None:
    """'50|80|100' -> (50, 80, 100); None when not a list of whole percentages 1..1000."""
    if text is None or not str(text).strip():
        return default
    parts = [p for p in re.split(r"[|;, ]+", str(text).strip()) if p]
    if not all(p.isdigit() and 0 < int(p) <= 1000 for p in parts):
        return None
    return tuple(sorted({int(p) for p in parts}))


def parse_row(row: dict, org: Org, file: str, line: int) -> tuple[Budget | None, list[Problem]]:
    """One CSV row as a Budget, or the problems that make it unusable (each names row and column)."""
    bad = []
    scope = (row.get("scope") or "team").strip().lower()
    owner = (row.get("team") or "").strip()
    period = (row.get("month") or row.get("period") or "").strip()
    currency = (row.get("currency") or "").strip().upper()
    if scope not in SCOPES:
        bad.append(Problem(file, line, "scope", f"must be team or department, not {scope!r}"))
    elif scope == "team":
        resolved = org.resolve(owner)
        if resolved is None:
            bad.append(Problem(file, line, "team", f"unknown team {owner!r}"))
        owner = resolved or owner
    elif owner not in {d.id for d in org.departments}:
        bad.append(Problem(file, line, "team", f"unknown department {owner!r}"))
    if not period_months(period):
        bad.append(Problem(file, line, "month", f"not a month (YYYY-MM), quarter (YYYY-Qn) or year (FYYYYY): {period!r}"))
    try:
        amount = Decimal((row.get("amount") or "").strip().replace(",", ""))
        if not amount.is_finite():
            raise InvalidOperation
        if amount < 0:
            bad.append(Problem(file, line, "amount", f"must not be negative: {amount}"))
    except InvalidOperation:
        amount = None
        bad.append(Problem(file, line, "amount", f"not a number: {row.get('amount')!r}"))
    if currency not in CURRENCIES:
        bad.append(Problem(file, line, "currency", f"unknown currency {currency!r} (expected an ISO 4217 code)"))
    levels = _thresholds(row.get("thresholds"), DEFAULT_THRESHOLDS)
    f_levels = _thresholds(row.get("forecast_thresholds"), DEFAULT_FORECAST_THRESHOLDS)
    for name, value in (("thresholds", levels), ("forecast_thresholds", f_levels)):
        if value is None:
            bad.append(Problem(file, line, name, "expected whole percentages like 50|80|100"))
    if bad:
        return None, bad
    return Budget(scope, owner, period, amount, currency, levels, f_levels), []


def parse_budgets_csv(text: str, org: Org, file: str = "budgets.csv") -> tuple[list[Budget], list[Problem]]:
    """Every row of a budget CSV, or all the problems found (row numbers count the header as row 1)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in ("team", "amount", "currency") if c not in header]
    if "month" not in header and "period" not in header:
        missing.append("month")
    if missing:
        return [], [Problem(file, 1, c, "required column is missing") for c in missing]
    budgets, problems, seen = [], [], {}
    for line, row in enumerate(reader, start=2):
        budget, bad = parse_row(row, org, file, line)
        problems += bad
        if budget and budget.key in seen:
            problems.append(Problem(file, line, "team", f"budget {budget.key} is also on row {seen[budget.key]}"))
        elif budget:
            seen[budget.key] = line
            budgets.append(budget)
    return ([], problems) if problems else (budgets, [])


def load_budgets_csv(store: Store, path_or_text, user: access.User, replace: bool = False) -> tuple[int, list[Problem]]:
    """Check a budget CSV (a path or the text itself) and save all its rows, or none: (count, problems).

    Rows replace the budgets with the same (scope, owner, period); replace=True (the in-app
    editor) makes the file the whole budget set.
    """
    access.require(user, "edit_config")
    if isinstance(path_or_text, Path) or (isinstance(path_or_text, str) and "\n" not in path_or_text
                                          and path_or_text.lower().endswith(".csv")):
        path = Path(path_or_text)
        if not path.is_file():
            return 0, [Problem(path.name, None, None, "file not found")]
        file, text = path.name, path.read_text(encoding="utf-8")
    else:
        file, text = "budgets.csv", str(path_or_text)
    budgets, problems = parse_budgets_csv(text, current_org(store), file)
    if problems:
        return 0, problems
    _save(store, budgets, user, "budget.save" if replace else "budget.load", replace_all=replace, target=file)
    return len(budgets), []


def save_budgets(store: Store, budgets: list[Budget], user: access.User) -> None:
    """Replace the whole budget set with these (the in-app editor saves the full table)."""
    access.require(user, "edit_config")
    _save(store, budgets, user, "budget.save", replace_all=True, target="editor")


def _summary(db) -> dict:
    rows = db.execute("select currency, count(*), group_concat(amount, '|') from budgets group by currency").fetchall()
    return {cur: {"budgets": n, "total": str(sum((Decimal(a) for a in amounts.split("|")), Decimal(0)))}
            for cur, n, amounts in rows}


def _save(store: Store, budgets: list[Budget], user: access.User, action: str, replace_all: bool, target: str):
    with state(store, write=True) as db:
        before = _summary(db)
        if replace_all:
            db.execute("delete from budgets")
        db.executemany(
            "insert into budgets (scope, owner, period, amount, currency, thresholds, forecast_thresholds, "
            "updated_at, updated_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (scope, owner, period) do update "
            "set amount = excluded.amount, currency = excluded.currency, thresholds = excluded.thresholds, "
            "forecast_thresholds = excluded.forecast_thresholds, updated_at = excluded.updated_at, "
            "updated_by = excluded.updated_by",
            [(b.scope, b.owner, b.period, str(b.amount), b.currency, ",".join(map(str, b.thresholds)),
              ",".join(map(str, b.forecast_thresholds)), now_iso(), user.username) for b in budgets],
        )
        audit.record(store, user, action, target, {"rows": len(budgets), "before": before, "after": _summary(db)}, db=db)


def list_budgets(store: Store, user: access.User, org: Org | None = None) -> list[Budget]:
    """The budgets the user may see (scoped users: their departments), ordered by period and owner."""
    access.require(user, "view_spend")
    org = org or current_org(store)
    with state(store) as db:
        rows = db.execute("select scope, owner, period, amount, currency, thresholds, forecast_thresholds "
                          "from budgets order by period, scope desc, owner").fetchall()
    out = []
    for scope, owner, period, amount, currency, levels, f_levels in rows:
        b = Budget(scope, owner, period, Decimal(amount), currency, _thresholds(levels, DEFAULT_THRESHOLDS),
                   _thresholds(f_levels, DEFAULT_FORECAST_THRESHOLDS))
        known = any(t.id == owner for t in org.teams) if scope == "team" else any(d.id == owner for d in org.departments)
        if known and (user.sees(department_of(org, b))):
            out.append(b)
    return out


CSV_COLUMNS = ["scope", "team", "month", "amount", "currency", "thresholds", "forecast_thresholds"]


def _csv_row(b: Budget) -> list[str]:
    return [b.scope, b.owner, b.period, str(b.amount), b.currency, "|".join(map(str, b.thresholds)),
            "|".join(map(str, b.forecast_thresholds))]


def budgets_csv(budgets: list[Budget]) -> str:
    """Budgets as the CSV that load_budgets_csv reads back unchanged."""
    return csv_text(CSV_COLUMNS, (_csv_row(b) for b in budgets))


def budgets_frame(budgets: list[Budget]):
    """Budgets as an all-text table for the editor (its CSV is what load_budgets_csv reads)."""
    import pandas as pd  # for the page's editor only: the CLI's budget verbs start without it

    return pd.DataFrame([_csv_row(b) for b in budgets], columns=CSV_COLUMNS, dtype="string")


def add_comment(store: Store, user: access.User, budget: Budget, text: str) -> None:
    """A variance comment kept with the budget (department heads and finance; scoped users: own departments)."""
    access.require(user, "triage")
    text = str(text).strip()
    if not text:
        raise ValueError("a comment needs some text")
    dept = department_of(current_org(store), budget)
    if not user.sees(dept):
        raise access.PermissionDenied(f"{user.username} may not comment on {budget.key}")
    with state(store, write=True) as db:
        db.execute("insert into budget_comments (scope, owner, period, at, author, text) values (?, ?, ?, ?, ?, ?)",
                   (budget.scope, budget.owner, budget.period, now_iso(), user.username, text))
        audit.record(store, user, "budget.comment", budget.key, {"text": text}, db=db)


def comments(store: Store, user: access.User, budget: Budget) -> list[tuple[str, str, str]]:
    """(at, author, text) of the variance comments on a budget the user may see, oldest first."""
    access.require(user, "view_spend")
    if not user.sees(department_of(current_org(store), budget)):
        return []
    with state(store) as db:
        return [tuple(r) for r in db.execute(
            "select at, author, text from budget_comments where scope = ? and owner = ? and period = ? order by id",
            (budget.scope, budget.owner, budget.period))]
