"""Item 12 (concurrent allocate): two allocations of the same period at once both succeed.

Two `allocate` runs (cron and someone at a terminal, or the app and the CLI) used to write
the same `<key>.tmp` file, and one failed with "Could not set lock on file". Each writer now
writes its own temporary file and renames it into place.
"""

import os
import subprocess
import sys

from tests.paths import ROOT


def test_three_allocations_at_once_all_succeed_with_the_same_result(served):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COSTBOOK_")}
    env["COSTBOOK_SECRETS_FILE"] = os.environ["COSTBOOK_SECRETS_FILE"]
    command = [sys.executable, "-m", "lib", "--data-dir", str(served.data_dir), "allocate", "--month", "2026-10"]
    runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(3)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], [err for _, err in outputs]
    assert len({out for out, _ in outputs}) == 1 and "2026-10" in outputs[0][0]
    assert not list((served.lake / "derived").rglob("*.tmp*"))  # no temporary file is left behind
