"""What held when the store was attacked before, kept as tests an attacker would write.

CSV row checks, a kill -9 in the middle of an import, encryption at rest, the audit chain on
edits and deletions, formula-safe statement and page CSVs, and no catastrophic backtracking in
rule regexes. (Scoping of every reader and viewers' refused exports: test_scoping.py.)
"""

import csv
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time

import duckdb
import pandas as pd
import pytest

from lib.cli.main import main
from lib.config import versions
from lib.core import access
from lib.core.exports import DANGEROUS, to_csv_bytes
from lib.core.sql import literal
from lib.month_end import statement_files, statements
from lib.sources import imports
from lib.store import audit
from lib.store.lake import new_duck
from lib.store.state import state
from tests.bill import charge
from tests.conftest import ORG, RULES
from tests.hostile.conftest import bill, snapshot
from tests.paths import ROOT

KEY = "k" * 8 + "-first-data-key-0123456789abcdef"


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("BilledCost", "NaN", "cannot read as a number: NaN"),
    ("BilledCost", "Infinity", "cannot read as a number: Infinity"),
    ("BilledCost", "1e400", "cannot read as a number: 1e400"),
    ("BilledCost", "1" * 40, "cannot read as a number: " + "1" * 40),
    ("BilledCost", "12,50", "cannot read as a number: 12,50"),
    ("BillingCurrency", "", "required value is empty"),
    ("ChargePeriodStart", "0000-00-00", "cannot read as date/time: 0000-00-00"),
    ("ServiceName", "", "required value is empty"),
    ("ChargeCategory", "Bogus", "not a FOCUS ChargeCategory: Bogus"),
])
def test_a_bad_csv_value_is_refused_by_row_and_column(served, tmp_path, column, value, reason):
    before = snapshot(served)
    path = bill(tmp_path / "bad.csv", [charge("web", "Amazon EC2", "1.00", BillingAccountId="payer-2"),
                                       charge("web", "Amazon EC2", "1.00", BillingAccountId="payer-2", **{column: value})])
    result = imports.import_paths(served, access.CLI, [path])
    assert f"bad.csv, row 3, column {column}: {reason}" in [str(p) for p in result.problems]
    assert snapshot(served) == before


def test_mixed_currencies_of_one_account_are_refused(served, tmp_path):
    before = snapshot(served)
    path = bill(tmp_path / "mixed.csv", [charge("web", "Amazon EC2", "1.00", BillingAccountId="payer-2"),
                                         charge("web", "Amazon EC2", "1.00", BillingAccountId="payer-2",
                                                BillingCurrency="EUR")])
    result = imports.import_paths(served, access.CLI, [path])
    assert [p.column for p in result.problems] == ["BillingCurrency"]
    assert "has several currencies (EUR, USD)" in result.problems[0].reason
    assert snapshot(served) == before


@pytest.fixture
def big(tmp_path):
    """A 300k-charge Parquet bill for the served account and period (it replaces the served $150)."""
    path = tmp_path / "big.parquet"
    duckdb.connect().execute(f"""copy (select 'payer-1' as BillingAccountId, 'USD' as BillingCurrency,
        timestamp '2026-10-01' as BillingPeriodStart, timestamp '2026-11-01' as BillingPeriodEnd,
        timestamp '2026-10-01' + to_days(cast(i % 31 as integer)) as ChargePeriodStart,
        timestamp '2026-10-02' + to_days(cast(i % 31 as integer)) as ChargePeriodEnd, 'Usage' as ChargeCategory,
        cast((i % 997) / 100 as decimal(38,12)) as BilledCost, cast((i % 991) / 100 as decimal(38,12)) as EffectiveCost,
        'AWS' as ProviderName, 'service-' || (i % 60) as ServiceName, '{{"team": "web"}}' as Tags
        from range(300000) t(i)) to {literal(path)} (format parquet)""")
    return str(path)


@pytest.mark.parametrize("after", [0.0, 0.4, 1.2])
def test_kill_9_during_an_import_serves_the_old_or_the_new_bill(served, big, after):
    old = snapshot(served)["totals"]
    env = {k: v for k, v in os.environ.items()} | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "lib", "--data-dir", str(served.data_dir), "import", big],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        with state(served) as db:
            if db.execute("select 1 from ingest_runs where outcome = 'running'").fetchone() or proc.poll() is not None:
                break
        time.sleep(0.02)
    time.sleep(after)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    totals = snapshot(served)["totals"]
    assert totals == old or totals[0][3] == 300000
    assert imports.import_paths(served, access.CLI, [bill(served.data_dir.parent / "next.csv")]).ok  # cleans up
    assert not [p for p in (served.lake / "staging").iterdir() if p.is_dir()]


def test_an_encrypted_store_is_unreadable_without_the_key(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COSTBOOK_DATA_KEY", KEY)
    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "org", "load", str(_write(tmp_path / "org.yaml", ORG))]) == 0
    path = bill(tmp_path / "secret.csv", [charge("web", "Confidential Service", "7.00", BillingAccountId="acct-77")])
    assert main(["--data-dir", str(data), "import", path]) == 0
    blob = b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file())
    assert b"Confidential Service" not in blob and b"acct-77" not in blob
    monkeypatch.delenv("COSTBOOK_DATA_KEY")
    capsys.readouterr()
    assert main(["--data-dir", str(data), "totals", "--month", "2026-10"]) == 2
    assert "state.db is encrypted: set COSTBOOK_DATA_KEY" in capsys.readouterr().err
    monkeypatch.setenv("COSTBOOK_DATA_KEY", KEY.replace("k", "w"))
    assert main(["--data-dir", str(data), "totals", "--month", "2026-10"]) == 2
    assert "cannot be decrypted with the configured data key" in capsys.readouterr().err


def _write(path, text):
    path.write_text(text)
    return path


def test_the_audit_chain_names_edited_and_deleted_entries(served, capsys):
    for i in range(3):
        audit.record(served, access.CLI, "rules.save", f"version {i}")
    db = sqlite3.connect(served.state_path, isolation_level=None)
    db.execute("drop trigger audit_log_no_update")
    db.execute("drop trigger audit_log_no_delete")
    db.execute("update audit_log set details = '{}' where id = 1")
    db.execute("delete from audit_log where id = 2")
    db.close()
    problems = audit.verify(served)
    assert "entry 1: content was changed after it was written" in problems
    assert "entries 2..2 are missing (deleted)" in problems
    assert main(["--data-dir", str(served.data_dir), "audit", "verify"]) == 1


def test_statement_and_page_csvs_are_formula_safe(served, tmp_path):
    evil = '=HYPERLINK("http://evil.example","open")'
    assert versions.save_org(served, ORG.replace("name: Web,", f"name: '{evil}',"), access.CLI, "evil name")[1] == []
    path = bill(tmp_path / "evil.csv", [charge("web", evil, "7.00", BillingAccountId="payer-2")])
    assert imports.import_paths(served, access.CLI, [path]).ok
    con = statements.prepare(served, new_duck())
    data, problems = statement_files.export(served, con, access.CLI, "web", "2026-10", "csv")
    assert problems == []
    found = [c for row in csv.reader(io.StringIO(data.decode())) for c in row]
    assert found.count("'" + evil) == 2  # the service line and the team's name
    assert not [c for c in found if c.startswith(DANGEROUS) and not c.lstrip("-").replace(".", "").isdigit()]
    page = to_csv_bytes(pd.DataFrame({"service": [evil], "note": ["@SUM(A1)"]})).decode()
    assert [c for row in csv.reader(io.StringIO(page)) for c in row][2:] == ["'" + evil, "'@SUM(A1)"]


def test_no_catastrophic_backtracking_on_long_values(served, tmp_path, capsys):
    rules = RULES + '  - name: Nested\n    match: {resource_name: "re:(a+)+$"}\n    to: web\n'
    assert versions.save_rules(served, rules, access.CLI, "nested quantifier")[1] == []
    long_names = [charge(None, "Amazon S3", "1.00", BillingAccountId="payer-2", ResourceName="a" * 20_000 + "b",
                         ResourceId=f"r-{i}") for i in range(50)]
    assert imports.import_paths(served, access.CLI, [bill(tmp_path / "long.csv", long_names)]).ok
    started = time.time()
    assert main(["--data-dir", str(served.data_dir), "allocate", "--month", "2026-10"]) == 0
    print(f"allocated in {time.time() - started:.1f} s")  # RE2 is linear: seconds, not hours
