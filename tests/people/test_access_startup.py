"""The app refuses to start with a default cookie key or demo passwords, except in demo mode."""

import stat

import pytest

from lib.people import startup, users
from lib.store import secret
from tests.access_helpers import COOKIE_KEY


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ("COSTBOOK_COOKIE_KEY", "COSTBOOK_DEMO", "COSTBOOK_DATA_KEY", "COSTBOOK_SESSION_HOURS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(tmp_path / "absent.toml"))


def test_no_cookie_key_is_refused_with_what_to_set(configured):
    (problem,) = startup.startup_problems(configured)
    assert "no cookie key is configured: set COSTBOOK_COOKIE_KEY or [costbook] cookie_key" in problem


@pytest.mark.parametrize("key", ["some_key", "change-me", "short-random-string"])
def test_default_or_short_cookie_keys_are_refused(configured, monkeypatch, key):
    monkeypatch.setenv("COSTBOOK_COOKIE_KEY", key)
    (problem,) = startup.startup_problems(configured)
    assert "the cookie key is a default or shorter than 32 characters" in problem
    assert key not in problem  # the message never repeats the secret


def test_cookie_key_from_secrets_toml(configured, monkeypatch, tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text(f'[costbook]\ncookie_key = "{COOKIE_KEY}"\n')
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(path))
    assert secret.value("cookie_key") == COOKIE_KEY
    assert startup.startup_problems(configured) == []


def test_demo_passwords_are_refused_outside_demo_mode(configured, monkeypatch):
    monkeypatch.setenv("COSTBOOK_COOKIE_KEY", COOKIE_KEY)
    users.create_demo_users(configured)
    (problem,) = startup.startup_problems(configured)
    assert problem.startswith("demo users still have the demo password (admin, finance, head-data")
    assert users.DEMO_PASSWORD not in problem


def test_demo_mode_starts_with_a_generated_private_cookie_key(configured):
    users.create_demo_users(configured)
    startup.set_demo_mode(configured)
    assert startup.startup_problems(configured) == []
    key = startup.cookie_key(configured)
    assert len(key) >= 32 and key == startup.cookie_key(configured)
    path = configured.data_dir / ".cookie_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_env_switches_demo_mode_on(configured, monkeypatch):
    assert startup.demo_mode(configured) is False
    monkeypatch.setenv("COSTBOOK_DEMO", "1")
    assert startup.demo_mode(configured) is True


def test_a_short_data_key_is_refused(configured, monkeypatch):
    monkeypatch.setenv("COSTBOOK_COOKIE_KEY", COOKIE_KEY)
    monkeypatch.setenv("COSTBOOK_DATA_KEY", "tooshort")
    assert any("COSTBOOK_DATA_KEY" in p and "too short" in p for p in startup.startup_problems(configured))
