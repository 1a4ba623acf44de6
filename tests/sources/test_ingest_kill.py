"""SIGKILL during `python -m lib import` leaves the previous bill served; the next import cleans up and succeeds.

The import runs as a real subprocess on a FOCUS Parquet file of a million charges (written by
DuckDB), for the same billing account and period as a small first bill. The test finds each
moment by watching the store, not by sleeping: the run's 'running' row (checking), its staging
folder filling (writing), its files moved into the lake (the swap). From the 'running' row on,
the test holds the state database's write lock, so the import can never reach its swap's
commit before it is killed: it waits on that lock, which is where "just before the swap" is.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from lib.sources.files import import_files
from lib.store.guard import INTERRUPTED, ImportGuard
from lib.store.lake import engine, new_duck
from lib.store.state import connect_state, state
from tests.bill import charge, write_bill
from tests.paths import ROOT

BIG_ROWS = 1_000_000
TOTALS = "select BillingCurrency, sum(BilledCost), sum(EffectiveCost), count(*) from charges group by 1"


@pytest.fixture(scope="module")
def big_bill(tmp_path_factory) -> tuple[Path, list]:
    """A FOCUS Parquet file for payer-1, 2026-10 (the first bill's account and period), and its totals."""
    path = tmp_path_factory.mktemp("big") / "big.parquet"
    con = duckdb.connect()
    con.execute(f"""copy (select 'payer-1' as BillingAccountId, 'Acme' as BillingAccountName, 'USD' as BillingCurrency,
        timestamp '2026-10-01' as BillingPeriodStart, timestamp '2026-11-01' as BillingPeriodEnd,
        timestamp '2026-10-01' + to_days(cast(i % 31 as integer)) as ChargePeriodStart,
        timestamp '2026-10-02' + to_days(cast(i % 31 as integer)) as ChargePeriodEnd,
        'Usage' as ChargeCategory, 'Usage-Based' as ChargeFrequency,
        cast((i % 997) / 100 as decimal(38,12)) as BilledCost, cast((i % 991) / 100 as decimal(38,12)) as EffectiveCost,
        cast((i % 997) / 100 as decimal(38,12)) as ListCost, 'AWS' as ProviderName, 'AWS' as PublisherName,
        'AWS' as InvoiceIssuerName, 'service-' || (i % 60) as ServiceName, 'Compute' as ServiceCategory,
        'acct-' || (i % 40) as SubAccountId, 'arn:aws:ec2:us-east-1:1:instance/i-' || i as ResourceId,
        '{{"team": "t' || (i % 20) || '"}}' as Tags
        from range({BIG_ROWS}) t(i)) to '{path}' (format parquet)""")
    totals = con.execute("select BillingCurrency, sum(BilledCost), sum(EffectiveCost), count(*) "
                         "from read_parquet(?) group by 1", [str(path)]).fetchall()
    return path, totals


def served(store) -> list:
    return engine(store, new_duck()).execute(TOTALS).fetchall()


def running_run(store) -> int | None:
    with state(store) as db:
        row = db.execute("select id from ingest_runs where outcome = 'running'").fetchone()
    return row[0] if row else None


def staged(store, run: int) -> list[Path]:
    return [p for d in (store.lake / "staging").glob(f"run-{run}-*") for p in d.rglob("*") if p.is_file()]


def swapped_in(store, run: int) -> list[Path]:
    return list((store.lake / "charges").glob(f"*/*/*/run-{run}-*.parquet"))


def wait_for(proc: subprocess.Popen, what: str, found):
    """Poll found() until it returns something truthy; the import must still be running meanwhile."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        got = found()
        if got:
            return got
        if proc.poll() is not None:
            pytest.fail(f"the import ended (exit {proc.returncode}) before {what}: {proc.stderr.read()}")
        time.sleep(0.005)
    pytest.fail(f"no {what} within 300 s")


def kill_at(store, big: Path, moment: str) -> int | None:
    """Start `python -m lib import big`, SIGKILL it at the moment; the run id it had started, if any."""
    proc = subprocess.Popen([sys.executable, "-m", "lib", "--data-dir", str(store.data_dir), "import", str(big)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    run, lock = None, None
    try:
        if moment != "right away":
            run = wait_for(proc, "its run started", lambda: running_run(store))
            lock = connect_state(store.state_path)
            lock.execute("begin immediate")  # from here on, the import cannot commit a swap
            if moment == "checking":
                assert not staged(store, run), "the import was writing already: the file is too small"
            elif moment == "writing":
                wait_for(proc, "staging files", lambda: staged(store, run))
            elif moment == "swapping":
                wait_for(proc, "files moved into the lake", lambda: swapped_in(store, run) and not staged(store, run))
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
        if lock is not None:
            lock.execute("rollback")
            lock.close()
    return run


@pytest.mark.parametrize("moment", ["right away", "checking", "writing", "swapping"])
def test_a_killed_import_leaves_the_previous_bill_and_the_next_import_recovers(store, tmp_path, big_bill, moment):
    big, big_totals = big_bill
    first = write_bill(tmp_path / "first.csv", [charge("web", "Amazon EC2", "100.25"),
                                                charge(None, "AWS Support (Business)", "18.50", effective="17.00")])
    assert import_files(store, new_duck(), [first]).ok
    before = served(store)
    assert [(c, str(b), str(e), n) for c, b, e, n in before] == [
        ("USD", "118.750000000000", "117.250000000000", 2)]

    run = kill_at(store, big, moment)

    assert served(store) == before
    if run is not None:  # what a kill leaves: the run still says 'running'; maybe files outside the manifest
        assert running_run(store) == run
        assert bool(swapped_in(store, run)) == (moment == "swapping")
        with state(store) as db:
            assert db.execute("select count(*) from lake_files where run_id = ?", (run,)).fetchone()[0] == 0

    again = import_files(store, new_duck(), [str(big)])

    assert again.ok and again.rows == BIG_ROWS and again.periods == ("2026-10",)
    assert served(store) == big_totals
    with state(store) as db:
        runs = [tuple(r) for r in db.execute("select id, outcome, problems from ingest_runs order by id")]
        active = {r[0] for r in db.execute("select run_id from lake_files where active = 1")}
    killed = [(run, "interrupted", f'["{INTERRUPTED}"]')] if run is not None else []
    assert runs == [(runs[0][0], "ok", "[]")] + killed + [(again.run_id, "ok", "[]")]
    assert active == {again.run_id}
    assert [p.name for p in (store.lake / "staging").iterdir()] == [".imports.lock"]
    if run is not None:
        assert swapped_in(store, run) == []


def test_an_import_running_in_another_process_is_not_taken_for_a_killed_one(store, big_bill):
    big, big_totals = big_bill
    proc = subprocess.Popen([sys.executable, "-m", "lib", "--data-dir", str(store.data_dir), "import", str(big)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        run = wait_for(proc, "its run started", lambda: running_run(store))
        with ImportGuard(store) as guard:  # what the next import does first
            assert guard.recovered is None
            assert running_run(store) == run
        assert proc.wait(timeout=300) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert served(store) == big_totals
    with ImportGuard(store) as guard:  # nothing was left behind: nothing to recover
        assert guard.recovered == []
