"""The month's recharge as balanced double-entry journal lines for the general ledger.

Per currency: debit each team's cost center and GL account with what its statement charges
per provider (adjustments for restated closed periods included), debit the Unallocated
suspense account with what no team was charged, and credit each provider's cloud clearing
account with the sum. Debits equal credits, per currency, to the cent. Every amount is a sum
of the period's cells (lib.allocation.cells), whose billing accounts add up to their invoices:
each clearing credit is exactly what the provider invoiced (on the billed basis), plus the
adjustments. The accounts come from a mapping that finance can change (settings key
`journal_accounts`, YAML).

>>> lines, problems = journal(store, con, user, "2026-10")      # doctest: +SKIP
>>> sum(l.debit for l in lines) == sum(l.credit for l in lines)  # doctest: +SKIP
True
"""

import calendar
from dataclasses import dataclass, field
from decimal import Decimal

import yaml

from lib.config.org import UNALLOCATED
from lib.core import access
from lib.core.money import CENT
from lib.core.periods import period_problem
from lib.month_end import closes, statements
from lib.store import audit
from lib.store.state import Store, state

HEADER = ("journal", "line", "date", "account", "cost_center", "team", "department", "provider", "currency",
          "debit", "credit", "memo")


@dataclass(frozen=True)
class Accounts:
    """Where the recharge is posted. Department gl_account (org.yaml) wins over expense_default."""
    expense_default: str = "6000"
    unallocated: str = "6999"
    clearing_default: str = "2100"
    clearing: dict = field(default_factory=dict)  # provider name -> clearing account

    def clearing_for(self, provider: str) -> str:
        return self.clearing.get(provider, self.clearing_default)


@dataclass(frozen=True)
class JournalLine:
    journal: str  # reference, e.g. CB-JE-2026-10-USD
    line: int
    date: str  # last day of the billing period, ISO
    account: str
    cost_center: str
    team: str
    department: str
    provider: str
    currency: str
    debit: Decimal
    credit: Decimal
    memo: str


def parse_accounts(text: str) -> tuple[Accounts | None, list[str]]:
    """Accounts from YAML: expense_default, unallocated, clearing_default, clearing: {provider: account}."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        return None, [f"journal accounts: not valid YAML: {exc}"]
    known = {"expense_default", "unallocated", "clearing_default", "clearing"}
    if not isinstance(data, dict) or set(data) - known:
        return None, [f"journal accounts: expected only the keys {', '.join(sorted(known))}"]
    if not isinstance(data.get("clearing", {}), dict):
        return None, ["journal accounts, clearing: expected a map of provider name to account"]
    values = {k: str(v) for k, v in data.items() if k != "clearing"}
    return Accounts(**values, clearing={str(k): str(v) for k, v in (data.get("clearing") or {}).items()}), []


def accounts(store: Store) -> Accounts:
    with state(store) as db:
        row = db.execute("select value from settings where key = 'journal_accounts'").fetchone()
    found, errors = parse_accounts(row[0]) if row else (Accounts(), [])
    if errors:
        raise ValueError("; ".join(errors))
    return found


def save_accounts(store: Store, user: access.User, text: str) -> list[str]:
    """Validate and store the account mapping (audited); returns problems, nothing saved on error."""
    access.require(user, "edit_config")
    _, errors = parse_accounts(text)
    if errors:
        return errors
    with state(store, write=True) as db:
        db.execute("insert or replace into settings (key, value) values ('journal_accounts', ?)", (text,))
        audit.record(store, user, "journal.accounts", "journal_accounts", {"yaml": text}, db=db)
    return []


def journal(store: Store, con, user: access.User, period: str,
            metric: str = "effective") -> tuple[list[JournalLine], list[str]]:
    """The balanced journal of a period, of the teams the user may see; (lines, problems).

    A department head gets their teams' debits and the clearing credits that balance them;
    Unallocated (no department) is in the journal of the whole-organization roles only.
    """
    access.require(user, "export")
    problem = period_problem(period)
    if problem or not statements.has_data(con, period):
        return [], [problem or f"no charges for {period}"]
    org = statements.organization(store)
    department = {t.id: t.department for t in org.teams}
    amounts = {key: amount for key, amount in team_amounts(store, con, period, metric).items()
               if user.sees(department.get(key[2]))}
    return entries(amounts, org, accounts(store), period), []


def team_amounts(store: Store, con, period: str, metric: str) -> dict[tuple[str, str, str], Decimal]:
    """(currency, provider, team) -> amount charged, as on the statements (Unallocated included), in cents."""
    out: dict[tuple[str, str, str], Decimal] = {}
    for (team, cur), lines in statements.period_lines(con, period, metric).items():
        for line in lines:
            key = (cur, line.provider, team)
            out[key] = out.get(key, Decimal(0)) + line.amount
    for a in closes.adjustments(store, con, period, metric):
        key = (a.currency, a.provider, a.team)
        out[key] = out.get(key, Decimal(0)) + a.amount
    return out


def entries(amounts: dict[tuple[str, str, str], Decimal], org, accts: Accounts, period: str) -> list[JournalLine]:
    """Debit lines per team and provider, then one clearing credit per provider, per currency."""
    year, month = int(period[:4]), int(period[5:7])
    date = f"{period}-{calendar.monthrange(year, month)[1]:02d}"
    teams = {t.id: t for t in org.teams}
    gl = {d.id: d.gl_account for d in org.departments}
    out: list[JournalLine] = []
    for cur in sorted({c for c, _, _ in amounts}):
        ref = f"CB-JE-{period}-{cur}"
        providers = sorted({p for c, p, _ in amounts if c == cur})
        for prov in providers:
            total = Decimal(0)
            for (c, p, team), amount in sorted(amounts.items(), key=lambda kv: (kv[0][2] == UNALLOCATED, kv[0])):
                if (c, p) != (cur, prov) or amount == 0:
                    continue
                total += amount
                t = teams.get(team)
                account = accts.unallocated if t is None else (gl.get(t.department) or accts.expense_default)
                memo = (f"Cloud costs {period} {prov}: not allocated to a team" if t is None
                        else f"Cloud recharge {period} {prov} to {t.name}")
                out.append(_line(ref, len(out) + 1, date, account, t.cost_center if t else "", team,
                                 t.department if t else UNALLOCATED, prov, cur, amount, memo))
            out.append(_line(ref, len(out) + 1, date, accts.clearing_for(prov), "", "", "", prov, cur, -total,
                             f"Cloud clearing {period} {prov}: charged back"))
    return out


def _line(ref, n, date, account, cost_center, team, dept, provider, cur, amount: Decimal, memo) -> JournalLine:
    """A positive amount is a debit, a negative one a credit (a credit note reverses the sides)."""
    debit, credit = (amount, Decimal(0)) if amount >= 0 else (Decimal(0), -amount)
    return JournalLine(ref, n, date, account, cost_center, team, dept, provider, cur, debit, credit, memo)


def record_download(store: Store, user: access.User, period: str, lines: int) -> None:
    audit.record(store, user, "journal.download", period, {"lines": lines})


def as_rows(lines: list[JournalLine]) -> list[tuple]:
    """CSV rows (write them with lib.core.exports, which neutralizes spreadsheet formulas)."""
    return [(j.journal, j.line, j.date, j.account, j.cost_center, j.team, j.department, j.provider, j.currency,
             j.debit.quantize(CENT), j.credit.quantize(CENT), j.memo) for j in lines]
