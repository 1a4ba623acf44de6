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
