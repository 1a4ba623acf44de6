"""People for access tests: one of each role, added through the real users API."""

from lib.core import access
from lib.people import users

PASSWORD = "Corr3ct-horse-battery"
COOKIE_KEY = "test-cookie-key-" + "x" * 32
PEOPLE = {  # username -> (role, departments)
    "ada": ("admin", ()),
    "fin": ("finance", ()),
    "dana": ("department_head", ("engineering",)),
    "dora": ("department_head", ("data",)),
    "vic": ("viewer", ("engineering",)),
}


def add_people(store, names=tuple(PEOPLE)) -> None:
    """Add the named people (the store must have the conftest org saved)."""
    for name in names:
        role, depts = PEOPLE[name]
        assert users.save_user(store, access.CLI, name, role, depts, name.title(), f"{name}@example.com",
                               PASSWORD) == []


def user(name: str) -> access.User:
    role, depts = PEOPLE[name]
    return access.User(name, role, frozenset(depts))


def app_as(store, monkeypatch, name: str = "fin"):
    """The app under AppTest on this store, logged in through the form as one of PEOPLE."""
    from streamlit.testing.v1 import AppTest

    from tests.paths import ROOT

    add_people(store, [name])
    monkeypatch.setenv("COSTBOOK_DATA_DIR", str(store.data_dir))
    monkeypatch.setenv("COSTBOOK_COOKIE_KEY", COOKIE_KEY)
    at = AppTest.from_file(str(ROOT / "tests/access_app.py"), default_timeout=60).run()
    at.text_input[0].input(name)
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception and at.session_state["user"].username == name
    return at
