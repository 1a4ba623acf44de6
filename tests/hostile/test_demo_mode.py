"""Item 3: insecure by default. A store that started as the demo keeps its demo logins and its
generated cookie key only while it serves nothing but the demo's charges.

An admin who tried the demo and then imports the company's real bills must not keep running
with a public admin password: the start-up checks come back the moment real data is served,
whatever the flag or COSTBOOK_DEMO say, and the public demo password cannot be set again.
"""

import io

from lib.cli.main import main
from lib.core import access
from lib.people import startup, users
from lib.sources import imports
from lib.store.state import state
from tests.access_helpers import COOKIE_KEY
from tests.hostile.conftest import bill, snapshot


def test_the_demo_alone_starts_without_checks(demo_copy):
    assert startup.demo_mode(demo_copy)
    assert startup.startup_problems(demo_copy) == []


def test_importing_a_real_bill_ends_demo_mode_and_brings_the_checks_back(demo_copy, tmp_path, monkeypatch):
    assert imports.import_paths(demo_copy, access.CLI, [bill(tmp_path / "real.csv")]).ok
    monkeypatch.setenv("COSTBOOK_DEMO", "1")  # not even the environment keeps demo mode on over real data
    assert not startup.demo_mode(demo_copy)
    problems = startup.startup_problems(demo_copy)
    assert problems[0].startswith("demo mode is over: the store serves billing data that did not come from the "
                                  "demo generator (source focus)")
    assert any("no cookie key is configured" in p for p in problems)
    assert any(p.startswith("demo users still have the demo password (admin, finance") for p in problems)
    assert startup.cookie_key(demo_copy) == ""  # the generated demo key is no longer handed out


def test_reset_password_refuses_the_public_demo_password(demo_copy, tmp_path, monkeypatch, capsys):
    assert imports.import_paths(demo_copy, access.CLI, [bill(tmp_path / "real.csv")]).ok
    monkeypatch.setenv("COSTBOOK_COOKIE_KEY", COOKIE_KEY)
    before = snapshot(demo_copy)
    with state(demo_copy) as db:
        hashes = db.execute("select username, password_hash, demo from users order by 1").fetchall()
    monkeypatch.setattr("sys.stdin", io.StringIO(users.DEMO_PASSWORD + "\n"))
    assert main(["--data-dir", str(demo_copy.data_dir), "users", "reset-password", "admin"]) == 2
    assert "must not be the public demo password" in capsys.readouterr().err
    with state(demo_copy) as db:
        assert db.execute("select username, password_hash, demo from users order by 1").fetchall() == hashes
    assert any("demo users still have the demo password (admin" in p for p in startup.startup_problems(demo_copy))
    assert snapshot(demo_copy) == before


def test_a_provisioning_file_cannot_bring_back_the_demo_password(demo_copy):
    digest = users.hash_password(users.DEMO_PASSWORD)
    text = f"users:\n  - {{username: eve, role: admin, password_hash: '{digest}'}}\n"
    count, problems = users.load_users(demo_copy, access.CLI, text)
    assert count == 0 and problems == ["users.yaml: user eve, password_hash: a hash of the public demo password"]
    assert users.account(demo_copy, "eve") is None


def test_demo_leave_ends_demo_mode_on_purpose(demo_copy, monkeypatch, capsys):
    monkeypatch.setenv("COSTBOOK_COOKIE_KEY", COOKIE_KEY)
    assert main(["--data-dir", str(demo_copy.data_dir), "demo", "--leave"]) == 0
    assert "demo mode is off; demo users disabled: admin, finance" in capsys.readouterr().err
    assert not startup.demo_mode(demo_copy)
    assert startup.startup_problems(demo_copy) == []  # the cookie key is set and no demo login is left
    assert all(a.disabled for a in users.list_users(demo_copy, access.CLI) if a.demo)


def test_no_configured_source_may_pose_as_the_demo_generator():
    from lib.sources.refresh import parse_sources

    sources, errors = parse_sources("sources:\n  - {name: demo, provider: aws, kind: folder, params: {path: /x}}\n")
    assert sources == [] and errors == ["settings.yaml: source 1: name 'demo' is reserved for the demo company's charges"]
