"""Month close: freeze a reconciled period's data, rules and statements; reopen with a reason.

Closing pins the lake files the period was read from, the rules version, the period's cells
(lib.allocation.cells: every total, statement line and journal amount of the period, in cents),
every team's totals and the statement files (with their hashes, so a closed statement
downloads byte for byte).
Providers restate periods for weeks: a restated closed period does not change; the
difference is charged as an adjustment on the next open period's statements.

>>> record, problems = close_month(store, con, user, "2026-10")        # doctest: +SKIP
>>> reopen_month(store, user, "2026-10", "AWS credit arrived late")    # doctest: +SKIP
"""

import json
import shutil

from lib.allocation import cache
from lib.core import access
from lib.core.periods import period_problem
from lib.month_end import closes, reconcile, statement_files, statement_mail, statements
from lib.month_end.closes import CloseRecord, adjustments, current_close, current_totals, next_issue
from lib.notify import channels
from lib.store import audit
from lib.store.state import Store, now_iso, period_versions, state


def close_month(store: Store, con, user: access.User, period: str, override_reason: str = "",
                metric: str = "effective") -> tuple[CloseRecord | None, list[str]]:
    """Close a reconciled period (or one with a recorded override reason); returns (record, problems)."""
    access.require(user, "close_month")
    problem = period_problem(period)
    if problem:
        return None, [problem]
    if current_close(store, period):
        return None, [f"{period} is already closed; reopen it first"]
    if not statements.has_data(con, period):
        return None, [f"no charges for {period}"]
    result = reconcile.reconcile(store, con, user, period, metric)
    if not result.passed and not override_reason.strip():
        found = [text for d in result.differences for text in (str(d), *(f"  {line}" for line in d.lines))]
        found = found or ["no charges to reconcile"]
        return None, [f"{period} does not reconcile ({len(result.differences)} difference(s)); nothing was closed",
                      *found]
    issue = next_issue(store, period)
    before = period_versions(store).get(period, "")
    files = statement_files.freeze(store, con, period, issue, metric)
    frozen_cells = _freeze_cells(store, con, period, issue)
    with state(store, write=True) as db:
        if period_versions(store).get(period, "") != before:
            raise RuntimeError(f"{period} was refreshed while it was being closed; close it again")
        record = _insert_close(db, store, con, user, period, issue, metric, override_reason.strip(), result,
                               frozen_cells)
        db.executemany("insert into closed_statements (close_id, team, number, format, path, sha256, content_hash) "
                       "values (?, ?, ?, ?, ?, ?, ?)", [(record.id, *f) for f in files])
        audit.record(store, user, "month.close", period,
                     {"issue": issue, "override_reason": override_reason.strip() or None,
                      "data_fingerprint": record.data_fingerprint, "rules_version": record.rules_version,
                      "statements": len(files), "differences": [str(d) for d in result.differences]}, db=db)
    return record, []


def _freeze_cells(store: Store, con, period: str, issue: int) -> str:
    """Copy the period's cells beside its frozen statements; the path relative to the data folder."""
    alloc, problems = cache.ensure_period(store, con, period)
    if problems:
        raise ValueError("; ".join(problems))
    out = closes.statement_dir(store, period, issue) / "cells.parquet"
    shutil.copyfile(cache.ensure_cells(store, period, alloc, con), out)
    return str(out.relative_to(store.data_dir))


def _insert_close(db, store, con, user, period, issue, metric, reason, result, cells: str) -> CloseRecord:
    file_ids = [r[0] for r in db.execute("select id from lake_files where active = 1 and period = ? order by id",
                                         (period,))]
    fingerprint = ".".join(str(i) for i in file_ids)
    used = cache.inputs(store, period)  # what the allocation read: pinned, so a refresh cannot move it
    version = used.rules_version or None
    usage_ids = [r[0] for r in db.execute("select id from usage_files where active = 1 and period = ? order by id",
                                          (period,))]
    db.execute("insert or replace into period_pins (period, file_ids, rules_version, org_version, pinned_at, cells, "
               "usage_file_ids) values (?, ?, ?, ?, ?, ?, ?)",
               (period, ",".join(map(str, file_ids)), used.rules_version, used.org_version, now_iso(), cells,
                ",".join(map(str, usage_ids))))
    cur = db.execute(
        "insert into month_closes (period, issue, metric, closed_at, closed_by, override_reason, data_fingerprint, "
        "file_ids, rules_version, reconciliation) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (period, issue, metric, now_iso(), user.username, reason or None, fingerprint, json.dumps(file_ids),
         version, json.dumps(result.as_rows(), default=str)))
    totals = [(cur.lastrowid, *key, period, "charges", str(a)) for key, a in current_totals(con, period, metric).items()]
    totals += [(cur.lastrowid, a.team, a.provider, a.billing_account, a.currency, a.source_period, "adjustment",
                str(a.amount)) for a in adjustments(store, con, period, metric)]
    db.executemany("insert into close_totals (close_id, team, provider, billing_account, currency, source_period, "
                   "kind, amount) values (?, ?, ?, ?, ?, ?, ?, ?)", totals)
    return CloseRecord(cur.lastrowid, period, issue, metric, now_iso(), user.username, reason or None,
                       fingerprint, version)


def send_after_close(store: Store, con, user: access.User, period: str,
                     metric: str = "effective") -> list[tuple[str, str, str]]:
    """E-mail the closed month's statements when e-mail is set up; [(team, address, outcome)]."""
    if channels.smtp_settings() is None:
        return []
    outcomes, _ = statement_mail.deliver(store, con, user, period, metric=metric)
    return outcomes


def reopen_month(store: Store, user: access.User, period: str, reason: str) -> list[str]:
    """Reopen a closed period (finance only, with a reason); returns problems."""
    access.require(user, "close_month")
    if not reason.strip():
        return ["reopening a month needs a reason"]
    record = current_close(store, period)
    if record is None:
        return [f"{period} is not closed"]
    with state(store, write=True) as db:
        db.execute("update month_closes set reopened_at = ?, reopened_by = ?, reopen_reason = ? where id = ?",
                   (now_iso(), user.username, reason.strip(), record.id))
        db.execute("delete from period_pins where period = ?", (period,))
        audit.record(store, user, "month.reopen", period, {"issue": record.issue, "reason": reason.strip()}, db=db)
    return []


