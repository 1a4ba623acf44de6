"""Closed periods as the state store keeps them: the close records, frozen totals and statement files.

Everything that needs to know whether a period is closed reads it here; lib.month_end.close changes it.
A restated closed period is rounded into cells again (lib.allocation.cells, the same lattice:
anchored on the restated invoices) and compared with its frozen totals, in cents per team,
provider and billing account: the adjustments that the next open period's statements and
journal carry, so that journal credits exactly the invoice plus the adjustment.

>>> current_close(store, "2026-10").issue          # doctest: +SKIP
1
"""

import hashlib
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from lib.allocation import cache
from lib.allocation.resources import cells_file
from lib.core import focus, money
from lib.core.periods import previous_period
from lib.store import crypto
from lib.store.state import Store, active_files, period_versions, state


@dataclass(frozen=True)
class CloseRecord:
    id: int
    period: str
    issue: int
    metric: str
    closed_at: str
    closed_by: str
    override_reason: str | None
    data_fingerprint: str
    rules_version: int | None


CLOSE_COLUMNS = "id, period, issue, metric, closed_at, closed_by, override_reason, data_fingerprint, rules_version"


def current_close(store: Store, period: str) -> CloseRecord | None:
    """The close in force for a period (None if the period is open)."""
    with state(store) as db:
        row = db.execute(f"select {CLOSE_COLUMNS} from month_closes where period = ? and reopened_at is null",
                         (period,)).fetchone()
    return CloseRecord(*row) if row else None


def closed_periods(store: Store) -> dict[str, CloseRecord]:
    with state(store) as db:
        rows = db.execute(f"select {CLOSE_COLUMNS} from month_closes where reopened_at is null order by period")
        return {r[1]: CloseRecord(*r) for r in rows.fetchall()}


def history(store: Store) -> list[dict]:
    """Every close and reopen, newest first, for the close page."""
    with state(store) as db:
        rows = db.execute("select period, issue, closed_at, closed_by, override_reason, reopened_at, reopened_by, "
                          "reopen_reason from month_closes order by id desc").fetchall()
    return [dict(r) for r in rows]


def next_issue(store: Store, period: str) -> int:
    with state(store) as db:
        return db.execute("select count(*) + 1 from month_closes where period = ?", (period,)).fetchone()[0]


def data_fingerprint(store: Store, period: str) -> str:
    """The lake files a period's numbers come from: frozen at close, else the active files."""
    record = current_close(store, period)
    return record.data_fingerprint if record else period_versions(store).get(period, "")


@dataclass(frozen=True)
class Adjusted:
    """A restatement of a closed period charged in a later open one (one team, provider, billing account)."""
    currency: str
    source_period: str  # the closed period the provider restated
    team: str
    provider: str
    billing_account: str
    amount: Decimal  # cents: the restated cells minus what was charged for them before


Key = tuple[str, str, str, str]  # (team, provider, billing account, currency)


def _frozen(db, close_id: int) -> list[tuple[str, str, Key, Decimal]]:
    """(kind, source period, key, cents) frozen at a close (totals of closes made before cells are rounded)."""
    rows = db.execute("select kind, source_period, team, provider, billing_account, currency, amount "
                      "from close_totals where close_id = ?", (close_id,)).fetchall()
    return [(r[0], r[1], (r[2], r[3], r[4], r[5]), money.round_total(Decimal(r[6]))) for r in rows]


def current_totals(con, period: str, metric: str, source: str = "cells") -> dict[Key, Decimal]:
    """A period's cells summed per team, provider, billing account and currency (cents)."""
    rows = con.execute(f"select team, ProviderName, coalesce(BillingAccountId, ''), BillingCurrency, "
                       f"sum({focus.metric(metric)}) from {source} where x_BillingPeriod = ? group by all",
                       [period]).fetchall()
    return {(t, p, a, c): money.to_decimal(v) for t, p, a, c, v in rows}


def restated_totals(store: Store, con, period: str, metric: str) -> dict[Key, Decimal] | None:
    """A closed period allocated from today's lake files (with its pinned rules) and rounded into cells;
    None if nothing was restated.

    The `allocated` and `cells` views keep showing a closed period as it was closed; this is
    what it would be now, so the difference can be charged in the next open period.
    """
    pinned = cache.inputs(store, period)
    files = tuple(sorted(active_files(store, [period])))
    if files == tuple(sorted(pinned.files)):
        return None
    return current_totals(con, period, metric, cells_file(store, con, replace(pinned, files=files), "restated"))


def adjustments(store: Store, con, period: str, metric: str) -> list[Adjusted]:
    """Restatements of closed periods charged in this period, in cents.

    A closed period's adjustment lands on the first open period after it; once that period
    closes, the adjustment is frozen with it and a later restatement lands further on.
    """
    closes = closed_periods(store)
    if period in closes:
        with state(store) as db:
            return [Adjusted(k[3], sp, k[0], k[1], k[2], a) for kind, sp, k, a in _frozen(db, closes[period].id)
                    if kind == "adjustment"]
    out = []
    with state(store) as db:
        frozen = {rec.id: _frozen(db, rec.id) for rec in closes.values()}
    for source, record in closes.items():
        if source >= period or record.metric != metric or not _all_closed_between(closes, source, period):
            continue
        now = restated_totals(store, con, source, metric)
        if now is None:
            continue
        settled: dict[Key, Decimal] = {}
        for rows in frozen.values():
            for _kind, sp, key, amount in rows:
                if sp == source:
                    settled[key] = settled.get(key, Decimal(0)) + amount
        for key in sorted(set(now) | set(settled)):
            diff = now.get(key, Decimal(0)) - settled.get(key, Decimal(0))
            if diff:
                out.append(Adjusted(key[3], source, key[0], key[1], key[2], diff))
    return out


def _all_closed_between(closes: dict, source: str, period: str) -> bool:
    month = previous_period(period)
    while month > source:
        if month not in closes:
            return False
        month = previous_period(month)
    return True


def stored_statement(store: Store, period: str, team: str, fmt: str) -> bytes | None:
    """The frozen statement file of a closed period, checked against its stored hash."""
    record = current_close(store, period)
    if record is None:
        return None
    with state(store) as db:
        row = db.execute("select path, sha256 from closed_statements where close_id = ? and team = ? and format = ?",
                         (record.id, team, fmt)).fetchone()
    if row is None:
        return None
    data = crypto.unseal((store.data_dir / row[0]).read_bytes(), name=row[0])
    if hashlib.sha256(data).hexdigest() != row[1]:
        raise ValueError(f"stored statement {row[0]} does not match its hash: it was changed after the close")
    return data


def statement_dir(store: Store, period: str, issue: int) -> Path:
    return store.data_dir / "statements" / period / f"issue-{issue}"
