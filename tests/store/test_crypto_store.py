"""Encryption at rest: with a data key the lake files and state.db are unreadable raw, a wrong or
missing key gives a clear error, and rotate-key moves everything to a new key (or none)."""

import os
import subprocess
import sys

import duckdb
import pytest

from lib.config import versions
from lib.core import access
from lib.month_end import statements
from lib.people import users
from lib.store import crypto
from lib.store.lake import engine, new_duck
from lib.store.state import open_store
from tests.access_helpers import PASSWORD
from tests.bill import charge
from tests.conftest import ORG, RULES, load_bill

KEY = "k" * 8 + "-first-data-key-0123456789abcdef"
NEW_KEY = "n" * 8 + "-second-data-key-0123456789abcdef"
SECRETS = [b"dana@example.com", b"Amazon Elastic Compute Cloud", b"payer-account-77"]


@pytest.fixture(autouse=True)
def no_key(monkeypatch, tmp_path):
    monkeypatch.delenv("COSTBOOK_DATA_KEY", raising=False)
    monkeypatch.delenv("COSTBOOK_NEW_DATA_KEY", raising=False)
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(tmp_path / "absent.toml"))


def fill(data_dir, tmp_path):
    """A store with an org, a user and a small bill whose values we look for in the raw files."""
    store = open_store(data_dir)
    assert versions.save_org(store, ORG, access.CLI, "setup")[1] == []
    assert users.save_user(store, access.CLI, "dana", "department_head", ["engineering"], "Dana",
                           "dana@example.com", PASSWORD) == []
    load_bill(store, tmp_path, [charge("web", "Amazon Elastic Compute Cloud", "123.45", BillingAccountId="payer-account-77"),
                                charge("search", "Amazon S3", "0.55", BillingAccountId="payer-account-77")])
    return store


def raw_bytes(data_dir) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}


def total(store) -> str:
    return str(engine(store, new_duck()).execute("select sum(BilledCost) from charges").fetchone()[0])


def test_without_a_key_the_files_are_plain(tmp_path):
    store = fill(tmp_path / "data", tmp_path)
    blob = b"".join(raw_bytes(store.data_dir).values())
    assert all(s in blob for s in SECRETS)  # proves the search below can find them


def test_with_a_key_nothing_is_readable_raw(tmp_path, monkeypatch):
    monkeypatch.setenv("COSTBOOK_DATA_KEY", KEY)
    store = fill(tmp_path / "data", tmp_path)
    files = raw_bytes(store.data_dir)
    assert any(name.endswith(".parquet") for name in files) and any(name.endswith("state.db") for name in files)
    for name, blob in files.items():
        assert not any(s in blob for s in SECRETS), name
        assert not blob.startswith(b"SQLite format 3")
    assert total(store) == "124.000000000000"


def test_missing_or_wrong_key_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("COSTBOOK_DATA_KEY", KEY)
    store = fill(tmp_path / "data", tmp_path)
    monkeypatch.delenv("COSTBOOK_DATA_KEY")
    with pytest.raises(crypto.DataKeyError, match="state.db is encrypted: set COSTBOOK_DATA_KEY"):
        open_store(store.data_dir)
    monkeypatch.setenv("COSTBOOK_DATA_KEY", NEW_KEY)
    with pytest.raises(crypto.DataKeyError, match="state.db cannot be decrypted with the configured data key"):
        open_store(store.data_dir)
    parquet = next(store.lake.rglob("*.parquet"))
    with pytest.raises(duckdb.Error, match="right key"):
        new_duck().execute(f"select * from read_parquet('{parquet}', {crypto.parquet_read_options()})").fetchall()


def test_a_key_configured_for_a_plain_store_says_how_to_encrypt(tmp_path, monkeypatch):
    store = fill(tmp_path / "data", tmp_path)
    monkeypatch.setenv("COSTBOOK_DATA_KEY", KEY)
    with pytest.raises(crypto.DataKeyError, match="not encrypted but a data key is configured.*rotate-key"):
        open_store(store.data_dir)


def rotate(data_dir, old, new, *extra):
    env = {k: v for k, v in os.environ.items() if k not in ("COSTBOOK_DATA_KEY", "COSTBOOK_NEW_DATA_KEY")}
    env |= {"COSTBOOK_DATA_KEY": old} if old else {}
    env |= {"COSTBOOK_NEW_DATA_KEY": new} if new else {}
    return subprocess.run([sys.executable, "-m", "lib", "--data-dir", str(data_dir), "rotate-key", *extra],
                          env=env, capture_output=True, text=True, timeout=120)


def test_rotate_encrypts_rekeys_and_decrypts(tmp_path, monkeypatch):
    store = fill(tmp_path / "data", tmp_path)
    before = total(store)
    result = rotate(store.data_dir, None, KEY)
    assert result.returncode == 0, result.stderr
    rewritten = len(list((store.data_dir / "lake").rglob("*.parquet")))
    assert f"{rewritten} lake file(s) rewritten" in result.stderr, result.stderr
    monkeypatch.setenv("COSTBOOK_DATA_KEY", KEY)
    assert total(open_store(store.data_dir)) == before
    assert not any(s in b for b in raw_bytes(store.data_dir).values() for s in SECRETS)
    assert rotate(store.data_dir, KEY, NEW_KEY).returncode == 0
    with pytest.raises(crypto.DataKeyError):
        open_store(store.data_dir)
    monkeypatch.setenv("COSTBOOK_DATA_KEY", NEW_KEY)
    assert total(open_store(store.data_dir)) == before
    assert users.account(store, "dana").email == "dana@example.com"
    assert rotate(store.data_dir, NEW_KEY, None, "--decrypt").returncode == 0
    monkeypatch.delenv("COSTBOOK_DATA_KEY")
    assert total(open_store(store.data_dir)) == before


def test_rotate_needs_a_new_key(tmp_path):
    store = fill(tmp_path / "data", tmp_path)
    result = rotate(store.data_dir, None, None)
    assert result.returncode == 2
    assert "set COSTBOOK_NEW_DATA_KEY" in result.stderr


def test_allocation_caches_are_encrypted_too(tmp_path, monkeypatch):
    monkeypatch.setenv("COSTBOOK_DATA_KEY", KEY)
    store = fill(tmp_path / "data", tmp_path)
    assert versions.save_rules(store, RULES, access.CLI, "setup")[1] == []
    con = statements.prepare(store, new_duck())
    assert str(con.execute("select sum(billed) from allocated").fetchone()[0]) == "124.000000000000"
    derived = list((store.lake / "derived").rglob("*.parquet"))
    assert derived and not any(b"Amazon" in p.read_bytes() or b"web" in p.read_bytes() for p in derived)
