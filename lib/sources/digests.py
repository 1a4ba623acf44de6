"""Duplicate billing files, found by content (SHA-256): given twice, imported under two names, or unchanged.

Ingest replaces whole (source, billing account, period) partitions, so importing a restated
month again is always right. What would double-count is the same content entering twice:

- the same file twice in one import (the same path twice, or two files or uploads with the same
  bytes): refused, naming both;
- content already served for a partition under another source (a bill imported by hand and
  then pulled again by a configured source): refused, naming the source and run;
- content that is exactly what the same source already serves for every partition it covers
  (a cron refresh of an export that did not change): a no-op, recorded as an `unchanged` run.

A restatement has new content, so it imports and replaces the old files as always.

>>> digest(__file__) == digest(__file__)
True
"""

import hashlib
from pathlib import Path

from lib.core.problems import Problem
from lib.store.state import state

TABLE = "_costbook_input_digests"  # on the DuckDB connection: raw view -> content hash of its file


def digest(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def remember(con, view: str, sha: str) -> None:
    """Note on the connection which file content a raw view reads (ingest looks it up)."""
    con.execute(f"create temp table if not exists {TABLE} (view varchar primary key, sha256 varchar)")
    con.execute(f"insert or replace into {TABLE} values (?, ?)", [view, sha])


def of_views(con, views: list[str]) -> dict[str, str]:
    """{raw view: content hash} for the views read from files (API pulls and combined views have none)."""
    if not con.execute("select 1 from duckdb_tables() where table_name = ? and temporary", [TABLE]).fetchone():
        return {}
    rows = con.execute(f"select view, sha256 from {TABLE} where list_contains(?, view)", [views]).fetchall()
    return dict(rows)


def again(name: str, first: str, sha: str) -> Problem:
    """The problem of content given a second time in one import."""
    return Problem(name, None, None, f"the same content as {first} (SHA-256 {sha[:12]}): given twice in one import "
                                     "it would be counted twice; give it once")


def screen(store, con, source: str, inputs: list[tuple[str, str]], parts: list[list]):
    """(problems, unchanged run id, entries) for checked inputs [(file, raw view)] and each one's Parts."""
    hashes = of_views(con, [raw for _, raw in inputs])
    entries = [(file, hashes.get(raw), part.account, part.period) for (file, raw), mine in zip(inputs, parts)
               for part in mine]
    with state(store) as db:
        problems, run = check(db, source, entries)
    return problems, run, entries


def check(db, source: str, entries: list[tuple[str, str | None, str, str]]) -> tuple[list[Problem], int | None]:
    """(problems, run id when the whole import is unchanged) for [(file, hash or None, account, period)]."""
    problems = []
    for file, sha, account, period in entries:
        if sha is None:
            continue
        row = db.execute(
            "select p.run_id, f.source from input_parts p join lake_files f on f.run_id = p.run_id and f.active = 1 "
            "and f.billing_account_id = p.billing_account_id and f.period = p.period where p.sha256 = ? "
            "and p.billing_account_id = ? and p.period = ? and f.source <> ? limit 1",
            (sha, account, period, source)).fetchone()
        if row:
            problems.append(Problem(file, None, None, f"the same content is already imported as source {row[1]!r} "
                                                      f"(run {row[0]}) for billing account {account}, period "
                                                      f"{period}; importing it as {source!r} would count it twice"))
    if problems or not entries or any(sha is None for _, sha, _, _ in entries):
        return problems, None
    return [], _served_run(db, source, entries)


def _served_run(db, source: str, entries) -> int | None:
    """The one run whose inputs serve exactly these partitions with exactly this content, if there is one."""
    runs = set()
    for account, period in {(a, p) for _, _, a, p in entries}:
        active = {r[0] for r in db.execute("select distinct run_id from lake_files where active = 1 and source = ? "
                                           "and billing_account_id = ? and period = ?", (source, account, period))}
        if len(active) != 1:
            return None
        (run,) = active
        served = {r[0] for r in db.execute("select sha256 from input_parts where run_id = ? and billing_account_id = ? "
                                           "and period = ?", (run, account, period))}
        if served != {sha for _, sha, a, p in entries if (a, p) == (account, period)}:
            return None
        runs.add(run)
    return runs.pop() if len(runs) == 1 else None


def record(db, run_id: int, entries: list[tuple[str, str | None, str, str]]) -> None:
    """Keep which content each partition of a run came from (in the swap's transaction)."""
    db.executemany("insert into input_parts (run_id, file, sha256, billing_account_id, period) values (?, ?, ?, ?, ?)",
                   [(run_id, Path(f).name, sha, a, p) for f, sha, a, p in entries if sha is not None])
