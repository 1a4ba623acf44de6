"""The Spark verbs as a person runs them: the master setting, and `allocate --engine spark`."""

import subprocess
import sys
from decimal import Decimal

import pytest

from lib.allocation import spark
from lib.config import versions
from lib.core import access
from lib.store import audit
from lib.store.state import open_store, state
from tests.bill import charge
from tests.conftest import ORG, RULES, load_bill
from tests.paths import ROOT


def cli(data_dir, *args, env=None):
    return subprocess.run([sys.executable, "-m", "lib", "--data-dir", str(data_dir), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=900, env=env)


def test_master_setting_is_stored_audited_and_checked(store, monkeypatch):
    monkeypatch.delenv(spark.MASTER_ENV, raising=False)
    assert spark.master_url(store) == "local[2]"
    out = cli(store.data_dir, "spark", "master", "sc://spark.internal:15002")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "sc://spark.internal:15002" == spark.master_url(store)
    with state(store) as db:
        actions = [r[0] for r in db.execute("select action from audit_log order by id")]
    assert actions[-1] == "settings.spark_master" and audit.verify(store) == []
    bad = cli(store.data_dir, "spark", "master", "http://nope")
    assert bad.returncode == 2 and "is not local[N]" in bad.stderr
    monkeypatch.setenv(spark.MASTER_ENV, "local[1]")
    assert spark.master_url(store) == "local[1]"  # the environment wins over the setting
    cli(store.data_dir, "spark", "master", "")
    monkeypatch.delenv(spark.MASTER_ENV)
    assert spark.master_url(store) == "local[2]"


def test_only_admins_set_the_master(store):
    with pytest.raises(access.PermissionDenied):
        spark.set_master(store, "local[4]", access.User("fin", "finance", None))


@pytest.mark.spark
def test_allocate_on_spark_then_totals_read_its_results(configured, tmp_path):
    bill = [charge("web", "Amazon EC2", "0.005"), charge("web", "Amazon EC2", "0.005"),
            charge("search", "Amazon EC2", "10.004"), charge(None, "Amazon S3", "1.001"),
            charge(None, "AWS Support (Business)", "3.00")]
    twin = open_store(tmp_path / "twin")  # the same org, rules and bill, allocated by DuckDB
    versions.save_org(twin, ORG, access.CLI, "setup")
    versions.save_rules(twin, RULES, access.CLI, "setup")
    load_bill(twin, tmp_path, bill, "twin.csv")
    load_bill(configured, tmp_path, bill)
    out = cli(configured.data_dir, "allocate", "--engine", "spark", "--month", "2026-10")
    assert out.returncode == 0, out.stderr
    assert out.stdout == cli(twin.data_dir, "allocate", "--month", "2026-10").stdout
    assert out.stdout.splitlines()[0] == "period,rows,charges" and len(out.stdout.splitlines()) == 2
    with state(configured) as db:
        assert db.execute("select count(*) from allocation_cache where period = '2026-10'").fetchone()[0] == 1
    totals = cli(configured.data_dir, "totals", "--month", "2026-10")
    assert totals.stdout == cli(twin.data_dir, "totals", "--month", "2026-10").stdout
    assert sum(Decimal(line.split(",")[2]) for line in totals.stdout.splitlines()[1:]) == Decimal("14.02")
