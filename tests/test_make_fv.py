"""`make setup-fv` finds a working Python 3.12 for the FOCUS validator, or stops saying what to install."""

import os
import subprocess

from tests.paths import ROOT

SCRIPT = str(ROOT / "scripts" / "fv-python.sh")


def run(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["/bin/bash", SCRIPT], env=env, capture_output=True, text=True, timeout=60)


def test_without_python_3_12_it_stops_with_what_to_install(tmp_path):
    fake = tmp_path / "python3.12"
    fake.write_text("#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n")  # a pyenv shim
    fake.chmod(0o755)
    done = run({"PATH": f"{tmp_path}:/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 1 and done.stdout == ""
    assert "need Python 3.12" in done.stderr and "PYTHON_FV" in done.stderr and "python3.12" in done.stderr


def test_a_python_that_is_not_3_12_is_not_taken(tmp_path):
    other = tmp_path / "python3.11"
    other.write_text("#!/bin/sh\nexit 1\n")  # what `sys.exit(version != 3.12)` gives on another Python
    other.chmod(0o755)
    done = run({"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHON_FV": str(other)})
    assert done.returncode == 1 and f"Tried: {other} python3.12" in done.stderr


def test_the_one_it_prints_is_3_12_when_there_is_one():
    done = run(dict(os.environ))
    if done.returncode == 0:
        version = subprocess.run([done.stdout.strip(), "--version"], capture_output=True, text=True).stdout
        assert version.startswith("Python 3.12")
    else:
        assert "need Python 3.12" in done.stderr
