"""The users verbs end to end: passwords from stdin, bad input exits 2 with one line, nothing changes."""

import subprocess
import sys

from lib.core import access
from lib.people import logins, users
from lib.store import audit
from tests.access_helpers import PASSWORD


def cli(store, *args, stdin=""):
    return subprocess.run([sys.executable, "-m", "lib", "--data-dir", str(store.data_dir), *args], input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_users_verbs(configured, tmp_path):
    added = cli(configured, "users", "add", "dana", "--role", "department_head", "--departments", "engineering",
                stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert PASSWORD not in added.stdout + added.stderr
    dumped = cli(configured, "users", "dump")
    (tmp_path / "users.yaml").write_text(dumped.stdout.replace("role: department_head", "role: viewer"))
    assert cli(configured, "users", "load", str(tmp_path / "users.yaml")).returncode == 0
    assert users.account(configured, "dana").role == "viewer"
    for _ in range(5):
        logins.record_login(configured, "dana", "", ok=False)
    assert cli(configured, "users", "unlock", "dana").returncode == 0
    assert logins.locked(configured, "dana") is None
    assert cli(configured, "users", "disable", "dana").returncode == 0
    assert users.account(configured, "dana").disabled
    actions = [e.action for e in audit.entries(configured, access.CLI, action="user.")]
    assert actions == ["user.disable", "user.unlock", "user.load", "user.add"]


def test_bad_input_exits_2_and_changes_nothing(configured, tmp_path):
    weak = cli(configured, "users", "add", "vic", "--role", "viewer", "--departments", "data", stdin="short\n")
    assert weak.returncode == 2 and weak.stderr.strip().endswith("a password needs both letters and digits or symbols")
    bad = tmp_path / "bad.yaml"
    bad.write_text("users:\n  - {username: zed, role: department_head, password_hash: nothash}\n")
    loaded = cli(configured, "users", "load", str(bad))
    assert loaded.returncode == 2
    assert "bad.yaml: user zed, password_hash: not a bcrypt hash" in loaded.stderr
    assert "bad.yaml: user zed: a department_head needs at least one department" in loaded.stderr
    assert users.list_users(configured, access.CLI) == []
    assert cli(configured, "users", "add", "eve", "--role", "cli", stdin=PASSWORD).returncode == 2
