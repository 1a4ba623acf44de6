"""The audit trail: append-only in SQLite, and any edit, deletion or reordering is named by verify."""

import csv
import sqlite3
import subprocess
import sys

import pytest

from lib.core import access
from lib.store import audit
from lib.store.state import state


@pytest.fixture
def trail(store):
    for i in range(1, 6):
        audit.record(store, access.CLI, "rules.save", f"version {i}", {"comment": f"change {i}"})
    return store


def tamper(store, *statements):
    """What someone with the database file could do: drop the guards, then change rows."""
    db = sqlite3.connect(store.state_path, isolation_level=None)
    db.execute("drop trigger audit_log_no_update")
    db.execute("drop trigger audit_log_no_delete")
    for sql in statements:
        db.execute(sql)
    db.close()


def test_intact_trail_verifies(trail):
    assert audit.verify(trail) == []


def test_the_database_refuses_updates_and_deletes(trail):
    with state(trail) as db, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("delete from audit_log where id = 2")


def test_an_edited_entry_is_named(trail):
    tamper(trail, "update audit_log set target = 'version 99' where id = 3")
    assert audit.verify(trail) == ["entry 3: content was changed after it was written"]


def test_an_edited_entry_with_recomputed_hash_breaks_the_next_link(trail):
    with state(trail) as db:
        row = db.execute("select prev_hash, at, actor, action, details from audit_log where id = 3").fetchone()
    forged = audit.entry_hash(row[0], row[1], row[2], row[3], "version 99", row[4])
    tamper(trail, f"update audit_log set target = 'version 99', hash = '{forged}' where id = 3")
    assert audit.verify(trail) == ["entry 4: does not follow the entry before it (deleted or reordered)"]


def test_a_deleted_entry_is_named(trail):
    tamper(trail, "delete from audit_log where id = 2")
    problems = audit.verify(trail)
    assert "entries 2..2 are missing (deleted)" in problems
    assert "entry 3: does not follow the entry before it (deleted or reordered)" in problems


def test_entries_deleted_from_the_end_are_named(trail):
    tamper(trail, "delete from audit_log where id >= 4")
    assert audit.verify(trail) == ["entries 4..5 are missing (deleted from the end)"]


def test_reordered_entries_are_named(trail):
    tamper(trail, "update audit_log set id = 100 where id = 2", "update audit_log set id = 2 where id = 3",
           "update audit_log set id = 3 where id = 100")
    problems = audit.verify(trail)
    assert "entry 2: does not follow the entry before it (deleted or reordered)" in problems
    assert "entry 3: does not follow the entry before it (deleted or reordered)" in problems


def run_cli(store, *args):
    return subprocess.run([sys.executable, "-m", "lib", "--data-dir", str(store.data_dir), *args],
                          capture_output=True, text=True, timeout=60)


def test_cli_verify_exits_non_zero_and_names_the_entry(trail):
    assert run_cli(trail, "audit", "verify").returncode == 0
    tamper(trail, "update audit_log set details = '{}' where id = 4")
    result = run_cli(trail, "audit", "verify")
    assert result.returncode == 1
    assert "entry 4: content was changed after it was written" in result.stderr


def test_cli_export_filters_and_is_itself_audited(trail, tmp_path):
    out = tmp_path / "audit.csv"
    result = run_cli(trail, "audit", "export", "--out", str(out), "--action", "rules.")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open()))
    assert [r["target"] for r in rows] == [f"version {i}" for i in range(5, 0, -1)]
    assert audit.entries(trail, access.CLI, action="audit.export")[0].actor == "cli"
    assert audit.verify(trail) == []


def test_filters_by_actor_and_date(trail):
    audit.record(trail, access.User("ada", "admin"), "user.add", "dana")
    assert [e.target for e in audit.entries(trail, access.CLI, actor="ada")] == ["dana"]
    assert audit.entries(trail, access.CLI, until="2000-01-01") == []
    assert len(audit.entries(trail, access.CLI, since="2000-01-01")) == 6
