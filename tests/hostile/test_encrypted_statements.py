"""Item 12 (frozen statements, key rotation): nothing of an encrypted store is left in plaintext,
and a key rotation is audited after it ran, with what it did.

The statements frozen at a month close were written as plain PDF and CSV files into an
encrypted store: anyone with the disk read every team's charges. They are now sealed with
AES-GCM under the data key, re-downloaded byte for byte, and re-sealed by rotate-key.
"""

import json
import os
import subprocess
import sys

import pytest

from lib.cli.main import main
from lib.config import versions
from lib.core import access
from lib.month_end import close, closes, statements
from lib.store import audit, crypto
from lib.store.lake import new_duck
from lib.store.state import open_store
from tests.bill import charge
from tests.conftest import ORG, RULES, load_bill

KEY = "k" * 8 + "-first-data-key-0123456789abcdef"
NEW_KEY = "n" * 8 + "-second-data-key-0123456789abcdef"


@pytest.fixture
def closed(tmp_path, monkeypatch):
    """An encrypted store with October closed (statements frozen)."""
    monkeypatch.setenv("COSTBOOK_DATA_KEY", KEY)
    store = open_store(tmp_path / "data")
    assert versions.save_org(store, ORG, access.CLI, "org")[1] == []
    assert versions.save_rules(store, RULES, access.CLI, "rules")[1] == []
    load_bill(store, tmp_path, [charge("web", "Amazon Elastic Compute Cloud", "123.45")])
    con = statements.prepare(store, new_duck())
    record, problems = close.close_month(store, con, access.CLI, "2026-10")
    assert problems == [], problems
    return store


def frozen(store):
    return sorted((store.data_dir / "statements").rglob("*.*"))


def test_frozen_statements_are_sealed_and_download_byte_for_byte(closed):
    files = frozen(closed)
    assert {f.suffix for f in files} == {".pdf", ".csv", ".parquet"}  # the statements and the cells they add up
    for f in [f for f in files if f.suffix != ".parquet"]:
        data = f.read_bytes()
        assert crypto.is_sealed(data) and b"Amazon Elastic" not in data and b"%PDF" not in data
    again = closes.stored_statement(closed, "2026-10", "web", "csv")
    assert b"Amazon Elastic Compute Cloud" in again  # decrypted and checked against the hash kept at close


def test_without_the_key_a_frozen_statement_is_refused_not_garbage(closed, monkeypatch):
    path = frozen(closed)[0]
    monkeypatch.delenv("COSTBOOK_DATA_KEY")
    with pytest.raises(crypto.DataKeyError, match="is encrypted: set COSTBOOK_DATA_KEY"):
        crypto.unseal(path.read_bytes(), name=path.name)


def rotate(data_dir, old, new):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COSTBOOK_")}
    env |= {"COSTBOOK_DATA_KEY": old, "COSTBOOK_NEW_DATA_KEY": new} if new else {"COSTBOOK_DATA_KEY": old}
    env |= {"COSTBOOK_SECRETS_FILE": os.environ["COSTBOOK_SECRETS_FILE"]}
    return subprocess.run([sys.executable, "-m", "lib", "--data-dir", str(data_dir), "rotate-key"], env=env,
                          capture_output=True, text=True, timeout=180)


def totals(store, capsys) -> str:
    assert main(["--data-dir", str(store.data_dir), "totals", "--month", "2026-10"]) == 0
    return capsys.readouterr().out


def test_rotation_reseals_them_and_is_audited_after_with_its_outcome(closed, monkeypatch, capsys):
    before = {f: closes.stored_statement(closed, "2026-10", "web", f.suffix[1:]) for f in frozen(closed) if "web" in f.name}
    closed_totals = totals(closed, capsys)
    assert "web,USD,123.45" in closed_totals
    done = rotate(closed.data_dir, KEY, NEW_KEY)
    assert done.returncode == 0, done.stderr
    assert "2 statement file(s) rewritten" in done.stderr
    monkeypatch.setenv("COSTBOOK_DATA_KEY", NEW_KEY)
    for f, data in before.items():
        assert closes.stored_statement(closed, "2026-10", "web", f.suffix[1:]) == data
    (entry,) = audit.entries(closed, access.CLI, action="key.rotate")
    details = json.loads(entry.details)
    assert details["ok"] is True and details["state"] is True and details["lake_files"] >= 1
    assert details["statement_files"] == len([f for f in frozen(closed) if f.suffix != ".parquet"])
    assert totals(closed, capsys) == closed_totals  # the close's cells are re-encrypted as the lake, not sealed
    assert entry.id == max(e.id for e in audit.entries(closed, access.CLI))  # written after the rotation, last


def test_a_failed_rotation_is_audited_as_failed(closed, monkeypatch):
    done = rotate(closed.data_dir, KEY, "short")
    assert done.returncode == 2 and "too short" in done.stderr
    (entry,) = audit.entries(closed, access.CLI, action="key.rotate")
    assert json.loads(entry.details)["ok"] is False
