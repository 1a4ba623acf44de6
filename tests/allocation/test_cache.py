"""The allocation cache when several writers meet: the app's sessions (threads) and cron jobs (processes)."""

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from lib.allocation import cache
from lib.core.memo import Memo
from lib.store.lake import engine, new_duck
from lib.store.state import state
from tests.bill import charge
from tests.conftest import load_bill
from tests.paths import ROOT


def _bill(store, tmp_path):
    load_bill(store, tmp_path, [charge("web", "Amazon EC2", "10.00"), charge(None, "AWS Support (Business)", "2.00")])


def test_another_writers_temporary_file_is_not_in_the_way(configured, tmp_path):
    """A writer that is still busy (or died) leaves its temporary file; the next one must not trip on it."""
    _bill(configured, tmp_path)
    inp = cache.inputs(configured, "2026-10")
    out = configured.lake / "derived" / "alloc" / "period=2026-10" / f"{cache.cache_key(inp)}.parquet"
    out.parent.mkdir(parents=True)
    out.with_suffix(".tmp").mkdir()  # a name only one writer at a time could ever use
    path, problems = cache.ensure_period(configured, engine(configured, new_duck()), "2026-10")
    assert problems == [] and path == str(out) and out.is_file()


def _allocate(store):
    return subprocess.run([sys.executable, "-m", "lib", "--data-dir", str(store.data_dir), "allocate", "--month",
                           "2026-10"], cwd=ROOT, capture_output=True, text=True)


def test_two_processes_allocating_the_same_month_both_succeed(configured, tmp_path):
    _bill(configured, tmp_path)
    for _ in range(3):
        with state(configured, write=True) as db:
            db.execute("delete from allocation_cache")
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda _: _allocate(configured), range(2)))
        assert [r.returncode for r in results] == [0, 0], [r.stderr for r in results]
        assert results[0].stdout == results[1].stdout
    assert not list((configured.lake / "derived").rglob("*.tmp"))


def test_the_shared_cache_keeps_its_bound_and_its_values_under_threads():
    memo, errors = Memo(8), []

    def work(n):
        for i in range(400):
            key = (n + i) % 20
            if memo.get(key, lambda k=key: k * k) != key * key:
                errors.append(key)
            if len(memo.keys()) > 8:
                errors.append("over")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(memo.keys()) <= 8
