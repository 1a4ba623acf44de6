"""Hostile-input fixtures: a store with a small bill already served, and a snapshot of what it serves.

Every hostile test takes a snapshot before the attack and asserts the same snapshot after it:
the lake files on disk, the manifest rows and the totals per currency must not move.
"""

import csv
import shutil
from pathlib import Path

import pytest

from lib.store.lake import engine, new_duck
from lib.store.state import open_store, state
from tests.bill import charge, write_bill
from tests.conftest import load_bill


def snapshot(store) -> dict:
    """What a refused input must leave exactly as it was."""
    files = sorted((p.relative_to(store.lake).as_posix(), p.stat().st_size)
                   for p in (store.lake / "charges").rglob("*") if p.is_file())
    with state(store) as db:
        manifest = [tuple(r) for r in db.execute(
            "select id, run_id, source, billing_account_id, period, path, rows, active from lake_files order by id")]
    totals = engine(store, new_duck()).execute(
        "select BillingCurrency, sum(BilledCost), sum(EffectiveCost), count(*) from charges group by 1 order by 1"
    ).fetchall()
    return {"files": files, "manifest": manifest, "totals": totals}


@pytest.fixture(autouse=True)
def no_secrets(monkeypatch, tmp_path):
    """Each attack starts from no configured secrets (tests set what they need)."""
    for name in ("COSTBOOK_COOKIE_KEY", "COSTBOOK_DEMO", "COSTBOOK_DATA_KEY", "COSTBOOK_NEW_DATA_KEY",
                 "COSTBOOK_AUDIT_KEY", "COSTBOOK_AUDIT_HEAD_FILE", "COSTBOOK_TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(tmp_path / "absent-secrets.toml"))


@pytest.fixture
def demo_copy(demo_dir, tmp_path):
    """A private copy of the session's demo company (the shared one must not change)."""
    data = tmp_path / "demo-data"
    shutil.copytree(demo_dir, data)
    return open_store(data)


@pytest.fixture
def served(configured, tmp_path):
    """The conftest org and rules, and a $150 October bill served."""
    load_bill(configured, tmp_path, [charge("web", "Amazon EC2", "100.00"), charge("search", "Amazon S3", "50.00")],
              name="served.csv")
    return configured


def bill(path: Path, rows=None, extra: dict | None = None) -> str:
    """A valid FOCUS CSV (one $7 charge by default) with extra columns appended: {header: value}."""
    write_bill(path, rows or [charge("web", "Amazon EC2", "7.00", BillingAccountId="payer-2")])
    if extra:
        with open(path, newline="", encoding="utf-8") as fh:
            table = list(csv.reader(fh))
        table[0] += list(extra)
        for row in table[1:]:
            row += list(extra.values())
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(table)
    return str(path)
