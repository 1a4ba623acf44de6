"""The real app.py in AppTest: login, wrong password, lockout, logout, disabled users, session expiry,
and the role x page matrix of what each role can reach and do."""

import time

import pytest
from streamlit.testing.v1 import AppTest

from lib.core import access
from lib.people import logins, users
from lib.store import audit
from lib.web import nav
from tests.access_helpers import COOKIE_KEY, PASSWORD, PEOPLE, add_people
from tests.bill import charge
from tests.conftest import load_bill
from tests.paths import ROOT

APP = str(ROOT / "tests" / "access_app.py")  # see there why not app.py itself


@pytest.fixture
def app_store(configured, monkeypatch, tmp_path):
    monkeypatch.setenv("COSTBOOK_DATA_DIR", str(configured.data_dir))
    monkeypatch.setenv("COSTBOOK_NO_DEMO", "1")
    monkeypatch.setenv("COSTBOOK_COOKIE_KEY", COOKIE_KEY)
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("COSTBOOK_DEMO", raising=False)
    add_people(configured)
    return configured


def login(username, password=PASSWORD) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    return attempt(at, username, password)


def login_form(at) -> list[str]:
    return [t.label for t in at.text_input if t.form_id == "costbook-login"]


def attempt(at, username, password):
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def test_the_real_app_py_logs_in(with_data):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    assert attempt(at, "dana", "Not-the-password-1").error[0].value == "Wrong username or password."
    assert attempt(at, "dana", PASSWORD).session_state["authentication_status"] is True
    assert not at.exception


def test_login_and_logout(app_store):
    at = login("ada")
    assert at.session_state["authentication_status"] is True
    assert not at.exception and not login_form(at)
    assert "**Ada** · admin" in [m.value for m in at.sidebar.markdown]
    next(b for b in at.sidebar.button if b.label == "Log out").click().run()
    assert login_form(at) == ["Username", "Password"]
    assert [e.action for e in audit.entries(app_store, access.CLI, actor="ada")][:2] == ["logout", "login.success"]


def test_wrong_password_then_lockout(app_store):
    at = login("dana", "Not-the-password-1")
    assert at.session_state["authentication_status"] is False
    assert [e.value for e in at.error] == ["Wrong username or password."]
    for _ in range(4):
        attempt(at, "dana", "Not-the-password-1")
    assert at.error[0].value.startswith("Too many failed logins: login is locked until")
    attempt(at, "dana", PASSWORD)  # the right password does not help while locked
    assert at.session_state["authentication_status"] is False
    logins.unlock(app_store, access.CLI, "dana")
    logins.unlock(app_store, access.CLI, "client:")  # AppTest has no client address; nothing to lift
    assert attempt(at, "dana", PASSWORD).session_state["authentication_status"] is True


def test_a_disabled_user_is_logged_out_on_the_next_run(app_store):
    at = login("vic")
    assert at.session_state["authentication_status"] is True
    users.set_disabled(app_store, access.CLI, "vic")
    at.run()
    assert "This account is disabled. Ask an admin." in [w.value for w in at.warning]
    assert login_form(at) == ["Username", "Password"]


def test_sessions_expire(app_store, monkeypatch):
    monkeypatch.setenv("COSTBOOK_SESSION_HOURS", str(0.5 / 3600))  # half a second
    at = login("fin")
    assert at.session_state["authentication_status"] is True
    time.sleep(0.6)
    at.run()
    assert "Your session has expired. Please log in again." in [w.value for w in at.warning]
    assert login_form(at) == ["Username", "Password"]


def test_default_cookie_key_stops_the_app(app_store, monkeypatch):
    monkeypatch.setenv("COSTBOOK_COOKIE_KEY", "some_key")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert "Costbook will not start until this is fixed" in at.error[0].value
    assert not login_form(at)


@pytest.fixture
def with_data(app_store, tmp_path):
    load_bill(app_store, tmp_path, [charge("web", "Amazon EC2", 100), charge("data-platform", "Amazon EMR", 50)])
    return app_store


@pytest.mark.parametrize("username", list(PEOPLE))
def test_role_page_matrix(with_data, username):
    at = login(username)
    role = PEOPLE[username][0]
    for page in nav.PAGES:
        path = str(ROOT / page.path)
        if page.permission in access.ROLES[role]:
            at.switch_page(path).run()
            assert not at.exception, (page.path, [e.value for e in at.exception])
            assert at.title[0].value
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(path)


def test_admin_adds_a_user_in_the_users_page(app_store):
    at = login("ada").switch_page(str(ROOT / "pages/users.py")).run()
    form = {t.label: t for t in at.text_input}
    form["Username"].input("newbie")
    form["Initial password"].input("Brand-new-pass-7")
    at.multiselect[0].select("data")
    next(b for b in at.button if b.label == "Add user").click().run()
    assert at.success[0].value == "user newbie added"
    assert users.account(app_store, "newbie").departments == ("data",)


def test_admin_sees_bad_input_in_the_users_page(app_store):
    at = login("ada").switch_page(str(ROOT / "pages/users.py")).run()
    form = {t.label: t for t in at.text_input}
    form["Username"].input("newbie")
    form["Initial password"].input("Brand-new-pass-7")
    at.selectbox[0].select("department_head")
    next(b for b in at.button if b.label == "Add user").click().run()
    assert "a department_head needs at least one department" in at.error[0].value
    assert users.account(app_store, "newbie") is None
