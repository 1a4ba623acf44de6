"""Users: validation, YAML provisioning, changes audited with before and after, demo users."""

import json

import bcrypt
import pytest

from lib.core import access
from lib.people import users
from lib.store import audit
from lib.store.state import state
from tests.access_helpers import PASSWORD, add_people

HASH = bcrypt.hashpw(b"Provisioned-pass-1", bcrypt.gensalt(4)).decode()


def test_added_user_is_stored_with_a_bcrypt_hash_only(configured):
    add_people(configured, ["dana"])
    with state(configured) as db:
        row = db.execute("select * from users where username = 'dana'").fetchone()
    assert bcrypt.checkpw(PASSWORD.encode(), row["password_hash"].encode())
    assert PASSWORD not in json.dumps([dict(r) for r in db_rows(configured)])
    assert users.account(configured, "dana").as_user() == access.User(
        "dana", "department_head", frozenset({"engineering"}), "Dana", "dana@example.com")


def db_rows(store):
    with state(store) as db:
        return [*db.execute("select * from users"), *db.execute("select * from audit_log")]


@pytest.mark.parametrize(("role", "depts", "password", "message"), [
    ("cli", (), PASSWORD, "unknown role 'cli'"),
    ("owner", (), PASSWORD, "unknown role 'owner'"),
    ("department_head", (), PASSWORD, "a department_head needs at least one department"),
    ("viewer", ("marketing",), PASSWORD, "unknown department(s) marketing"),
    ("viewer", ("data",), "short1!", "at least 12 characters"),
    ("viewer", ("data",), "abcdefghijklmnop", "both letters and digits"),
    ("viewer", ("data",), "password12345", "common word"),
])
def test_bad_users_are_rejected_and_nothing_changes(configured, role, depts, password, message):
    problems = users.save_user(configured, access.CLI, "newbie", role, depts, password=password)
    assert any(message in p for p in problems), problems
    assert users.account(configured, "newbie") is None
    assert audit.entries(configured, access.CLI, action="user.") == []


def test_changes_are_audited_with_before_and_after(configured):
    add_people(configured, ["dana"])
    assert users.save_user(configured, access.CLI, "dana", "department_head", ["engineering", "data"], "Dana") == []
    assert users.set_disabled(configured, access.CLI, "dana") == []
    change, disable = sorted(audit.entries(configured, access.CLI, action="user.")[:2], key=lambda e: e.id)
    assert (change.action, change.target) == ("user.change", "dana")
    details = json.loads(change.details)
    assert details["before"]["departments"] == ["engineering"]
    assert details["after"]["departments"] == ["data", "engineering"]
    assert json.loads(disable.details)["after"]["disabled"] is True


def test_an_admin_cannot_disable_themself(configured):
    add_people(configured, ["ada"])
    ada = users.account(configured, "ada").as_user()
    assert users.set_disabled(configured, ada, "ada") == ["you cannot disable your own account"]


GOOD_YAML = f"""
users:
  - {{username: dora, name: Dora, email: dora@example.com, role: department_head, departments: [data],
     password_hash: "{HASH}"}}
  - {{username: fin, role: finance, password_hash: "{HASH}"}}
"""


def test_yaml_load_dump_round_trip(configured):
    assert users.load_users(configured, access.CLI, GOOD_YAML) == (2, [])
    dumped = users.dump_users(configured, access.CLI)
    assert users.parse_users(dumped, {"engineering", "data"})[1] == []
    assert users.account(configured, "dora").departments == ("data",)
    assert [e.action for e in audit.entries(configured, access.CLI, action="user.")] == ["user.load", "user.load"]


@pytest.mark.parametrize(("text", "message"), [
    ("users: [", "users.yaml: not valid YAML"),
    ("people: []", "users.yaml: expected a 'users:' list"),
    ("users:\n  - just a name", "users.yaml: user #3: expected a mapping"),
    (f"users:\n  - {{username: x, role: root, password_hash: '{HASH}'}}", "users.yaml: user x: unknown role 'root'"),
    (f"users:\n  - {{username: x, role: viewer, password_hash: '{HASH}'}}",
     "users.yaml: user x: a viewer needs at least one department"),
    ("users:\n  - {username: x, role: admin, password: hunter2hunter2}", "plain passwords are not accepted"),
    ("users:\n  - {username: x, role: admin, password_hash: nothash}", "user x, password_hash: not a bcrypt hash"),
    (f"users:\n  - {{username: x, role: admin, shoe_size: 9, password_hash: '{HASH}'}}", "unknown field 'shoe_size'"),
    (f"users:\n  - {{username: x, role: admin, password_hash: '{HASH}'}}\n  - {{username: x, role: admin}}",
     "user x: username appears twice"),
    ("users:\n  - {username: x, role: admin}", "user x: a new user needs a password_hash"),
    (f"users:\n  - {{username: Bad Name, role: admin, password_hash: '{HASH}'}}", "may only have lower-case letters, digits and"),
])
def test_malformed_user_files_are_rejected_whole(configured, text, message):
    valid_first = GOOD_YAML.rstrip() + "\n" + text.split("users:", 1)[1] if text.startswith("users:\n") else text
    count, problems = users.load_users(configured, access.CLI, valid_first)
    assert count == 0 and any(message in p for p in problems), problems
    assert users.account(configured, "dora") is None  # the valid entries were not loaded either


def test_demo_users_cover_every_department(configured):
    names = users.create_demo_users(configured)
    assert names == ["admin", "finance", "head-engineering", "head-data", "viewer"]
    head = users.account(configured, "head-data")
    assert (head.role, head.departments, head.demo) == ("department_head", ("data",), True)
    assert users.reset_password(configured, access.CLI, "head-data", "Fresh-password-42") == []
    assert users.account(configured, "head-data").demo is False
