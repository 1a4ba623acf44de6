"""Item 9: the audit trail is anchored outside the state store.

Someone who can write state.db used to be able to delete the last entries and the stored head,
or re-chain every entry with the public SHA-256 recipe, and `audit verify` said "intact". With an
HMAC key from secrets, or a head file outside the data folder, both are caught.
"""

import sqlite3

import pytest

from lib.cli.main import main
from lib.core import access
from lib.people import startup
from lib.store import audit
from lib.store.state import state

KEY = "audit-key-" + "k" * 32


@pytest.fixture
def trail(store):
    def fill():
        for i in range(1, 7):
            audit.record(store, access.CLI, "rules.save", f"version {i}", {"comment": f"change {i}"})
        return store
    return fill


def raw(store):
    db = sqlite3.connect(store.state_path, isolation_level=None)
    db.execute("drop trigger if exists audit_log_no_update")
    db.execute("drop trigger if exists audit_log_no_delete")
    return db


def truncate(store, keep: int) -> None:
    """Cut the trail after entry `keep` and make the stored head point at it, as the attacker would."""
    db = raw(store)
    digest = db.execute("select hash from audit_log where id = ?", (keep,)).fetchone()[0]
    db.execute("delete from audit_log where id > ?", (keep,))
    db.execute("update settings set value = ? where key = 'audit_head'", (f"{keep}:{digest}",))
    db.close()


def rechain(store) -> None:
    """Edit entry 2, then recompute every hash and the head with the public recipe."""
    db = raw(store)
    db.execute("update audit_log set target = 'version 99' where id = 2")
    prev = audit.GENESIS
    for id_, at, actor, action, target, details in db.execute(
            "select id, at, actor, action, target, details from audit_log order by id").fetchall():
        digest = audit.entry_hash(prev, at, actor, action, target, details)
        db.execute("update audit_log set prev_hash = ?, hash = ? where id = ?", (prev, digest, id_))
        prev = digest
    db.execute("update settings set value = ? where key = 'audit_head'", (f"{id_}:{prev}",))
    db.close()


@pytest.mark.parametrize("attack", [lambda s: truncate(s, 4), rechain])
def test_without_an_anchor_verify_says_so(trail, attack, capsys):
    store = trail()
    attack(store)
    assert audit.verify(store) == []  # the weakness the anchors close
    assert main(["--data-dir", str(store.data_dir), "audit", "verify"]) == 0
    assert "not anchored: someone who can write the state store could cut or re-chain it" in capsys.readouterr().err


def test_with_the_hmac_key_a_cut_from_the_end_is_caught(trail, monkeypatch, capsys):
    monkeypatch.setenv("COSTBOOK_AUDIT_KEY", KEY)
    store = trail()
    assert audit.verify(store) == []
    truncate(store, 4)
    assert audit.verify(store) == ["the recorded head of the trail has no valid MAC: its end was rewritten (right "
                                   "after the audit key is first configured this clears with the next audit entry)"]
    assert main(["--data-dir", str(store.data_dir), "audit", "verify"]) == 1


def test_with_the_hmac_key_re_chaining_is_caught(trail, monkeypatch):
    monkeypatch.setenv("COSTBOOK_AUDIT_KEY", KEY)
    store = trail()
    rechain(store)
    problems = audit.verify(store)
    assert [p for p in problems if p.startswith("entry")] == [
        f"entry {i}: its MAC does not match (forged or re-chained without the key)" for i in range(2, 7)]
    assert any("has no valid MAC" in p for p in problems)


def test_with_a_head_file_a_cut_from_the_end_is_caught(trail, monkeypatch, tmp_path):
    head = tmp_path / "anchor" / "audit.head"
    monkeypatch.setenv("COSTBOOK_AUDIT_HEAD_FILE", str(head))
    store = trail()
    assert head.read_text().startswith("6:") and audit.verify(store) == []
    truncate(store, 4)
    assert audit.verify(store) == ["entries 5..6 are missing: the head file says the trail reaches 6"]


def test_with_a_head_file_re_chaining_is_caught(trail, monkeypatch, tmp_path):
    monkeypatch.setenv("COSTBOOK_AUDIT_HEAD_FILE", str(tmp_path / "audit.head"))
    store = trail()
    rechain(store)
    assert audit.verify(store) == ["entry 6 is not the one the head file recorded: the trail was re-chained or "
                                   "rewritten"]


def test_a_rolled_back_entry_does_not_move_the_head_file(trail, monkeypatch, tmp_path):
    head = tmp_path / "audit.head"
    monkeypatch.setenv("COSTBOOK_AUDIT_HEAD_FILE", str(head))
    store = trail()
    before = head.read_text()
    with pytest.raises(RuntimeError), state(store, write=True) as db:
        audit.record(store, access.CLI, "rules.save", "version 7", db=db)
        raise RuntimeError("the change this entry belonged to failed")
    assert head.read_text() == before and audit.verify(store) == []


def test_a_head_file_inside_the_data_folder_is_refused(store, monkeypatch):
    monkeypatch.setenv("COSTBOOK_AUDIT_HEAD_FILE", str(store.data_dir / "audit.head"))
    assert any("is inside the data folder" in p for p in startup.startup_problems(store))
    audit.record(store, access.CLI, "rules.save", "version 1")
    assert any("is inside the data folder" in p for p in audit.verify(store))
