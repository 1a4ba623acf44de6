"""Spark Connect for real: a Spark Connect server on this machine, the CLI pointed at it with
`spark master sc://...`, and the results it writes back to the lake equal to the DuckDB engine's."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from lib.demo import build
from lib.store.lake import engine, new_duck
from lib.store.state import open_store, state
from tests.allocation.test_spark_allocation import RESULT, sums
from tests.paths import ROOT

pytestmark = pytest.mark.spark
TODAY = date(2026, 11, 27)
MONTH = "2026-10"  # one of the demo's 13 months keeps the run short


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ConnectServer:
    """A Spark Connect server (local[2]) started from the pip pyspark package, in the foreground of its
    own process group; `url` waits until it listens. It boots while the test builds its store."""

    def __init__(self, work: Path):
        import pyspark

        home = Path(pyspark.__file__).parent
        self.port, self.log = free_port(), work / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARK_", "PYSPARK_"))}
        env.update(SPARK_HOME=str(home), SPARK_LOG_DIR=str(work), SPARK_PID_DIR=str(work),
                   SPARK_IDENT_STRING="costbook")
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                ["bash", str(home / "sbin" / "start-connect-server.sh"), "--wait",  # --wait: foreground
                 "--master", "local[2]", "--driver-memory", "1g",
                 # A short-lived JVM on a small machine: C2 compiling would double Spark's CPU time here
                 "--driver-java-options", "-XX:TieredStopAtLevel=1",
                 "--conf", f"spark.connect.grpc.binding.port={self.port}",
                 "--conf", "spark.connect.grpc.binding.address=127.0.0.1",
                 "--conf", "spark.ui.enabled=false"],
                cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def url(self) -> str:
        deadline = time.monotonic() + 180
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"the Spark Connect server exited ({self.process.returncode}):\n{self.tail()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return f"sc://localhost:{self.port}"
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the Spark Connect server did not listen on {self.port}:\n{self.tail()}")
                time.sleep(0.5)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        """SIGTERM to its process group (bash, spark-submit, the JVM), then wait until none runs."""
        group = self.process.pid
        try:
            os.killpg(group, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 30
        while self.process.poll() is None or running_in_group(group):
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGKILL)
                self.process.wait()
                break
            time.sleep(0.2)


def running_in_group(group: int) -> bool:
    """Whether a process of this process group still runs (zombies, left for init to reap, do not)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state_, _, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if int(pgrp) == group and state_ != "Z":
            return True
    return False


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory):
    server = ConnectServer(tmp_path_factory.mktemp("spark-connect"))  # its own working folder, not the client's
    yield server
    server.stop()


def cli(cwd, *args):
    """`python -m lib --data-dir data ...` run from cwd: a relative data folder, as the default one is."""
    env = {k: v for k, v in os.environ.items() if k not in ("COSTBOOK_SPARK_MASTER", "SPARK_REMOTE")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "lib", "--data-dir", "data", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600, env=env)


def test_allocate_through_spark_connect_equals_duckdb(connect_server, tmp_path):
    spark_side, duck_side = tmp_path / "spark", tmp_path / "duck"
    store = open_store(spark_side / "data")
    build.build(store, seed=7, rows=2000, today=TODAY)
    shutil.copytree(spark_side / "data", duck_side / "data")  # the same data folder, allocated by DuckDB
    with state(store) as db:
        assert db.execute("select count(*) from allocation_cache").fetchone()[0] == 0  # Spark computes it

    out = cli(spark_side, "spark", "master", connect_server.url)
    assert out.returncode == 0 and out.stdout.strip() == connect_server.url, out.stderr
    started = time.monotonic()
    out = cli(spark_side, "allocate", "--engine", "spark", "--month", MONTH)
    assert out.returncode == 0, out.stderr + connect_server.tail()
    print(f"allocate --engine spark --month {MONTH} through {connect_server.url}: {time.monotonic() - started:.1f} s")
    assert "Traceback" not in out.stderr and "Warning" not in out.stderr, out.stderr  # a clean run

    totals = cli(spark_side, "totals", "--month", MONTH)  # reads Spark's results from the cache
    duck_totals = cli(duck_side, "totals", "--month", MONTH)  # allocates with DuckDB first
    assert totals.returncode == 0 and totals.stdout == duck_totals.stdout, (totals.stdout, duck_totals.stdout)
    assert len(totals.stdout.splitlines()) > 4  # several teams, to the cent

    con = engine(store, new_duck())
    files = []
    for side in (spark_side, duck_side):
        with state(open_store(side / "data")) as db:
            rows = db.execute("select period, path from allocation_cache").fetchall()
        assert [p for p, _ in rows] == [MONTH]
        files.append(str(side / "data" / "lake" / rows[0][1]))
    assert files[0].split("/lake/")[1] == files[1].split("/lake/")[1]  # same inputs, same cache key
    assert len({r[3] for r in sums(con, files[0])}) > 3  # several rules took part
    assert sums(con, files[0]) == sums(con, files[1])
    every_row = f"select * from {RESULT} order by all"
    assert con.execute(every_row, [files[0]]).fetchall() == con.execute(every_row, [files[1]]).fetchall()
    assert not list(Path(files[0]).parent.glob("*.spark"))  # Spark's part folder was moved into place, removed


def test_an_unreachable_connect_server_fails_at_once(store):
    url = f"sc://localhost:{free_port()}"  # nothing listens there
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "lib", "--data-dir", str(store.data_dir), "spark", "allocate",
                          "--master", url], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "no Spark Connect server answers at localhost:" in out.stderr, out.stderr
    assert time.monotonic() - started < 60  # not the Connect client's ten minutes of retries
