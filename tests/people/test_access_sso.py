"""Single sign-on: a groups claim maps to a role and departments; a users-table row overrides it."""

import pytest

from lib.core import access
from lib.people import sso
from lib.people.users import Account
from lib.store import secret

CONFIG = {"groups_claim": "groups",
          "roles": {"cb-admins": "admin", "cb-finance": "finance", "eng-leads": "department_head",
                    "readers": "viewer"},
          "departments": {"eng-leads": ["engineering"], "readers": ["data"]}}
KNOWN = {"engineering", "data"}


@pytest.mark.parametrize(("groups", "role", "depts"), [
    (["cb-admins", "eng-leads"], "admin", frozenset()),
    (["readers", "cb-finance"], "finance", frozenset()),
    (["eng-leads", "readers"], "department_head", frozenset({"engineering", "data"})),
    (["readers", "something-else"], "viewer", frozenset({"data"})),
])
def test_groups_map_to_the_highest_role(groups, role, depts):
    user, problem = sso.sso_user({"email": "Pat@Example.com", "email_verified": True, "name": "Pat", "groups": groups}, CONFIG, KNOWN, None)
    assert problem is None
    assert user == access.User("pat@example.com", role, depts, "Pat", "pat@example.com")


@pytest.mark.parametrize(("claims", "message"), [
    ({"groups": ["cb-admins"]}, "no email claim"),
    ({"email": "x@y.z", "email_verified": True, "groups": ["strangers"]}, "None of your groups gives access"),
    ({"email": "x@y.z", "email_verified": True, "groups": []}, "None of your groups gives access"),
])
def test_people_without_a_mapped_group_are_refused(claims, message):
    user, problem = sso.sso_user(claims, CONFIG, KNOWN, None)
    assert user is None and message in problem


def test_a_head_group_without_departments_is_refused():
    config = CONFIG | {"departments": {}}
    user, problem = sso.sso_user({"email": "x@y.z", "email_verified": True, "groups": ["eng-leads"]}, config, KNOWN, None)
    assert user is None and "grant no department" in problem


def test_a_users_table_row_wins_and_a_disabled_one_refuses():
    row = Account("x@y.z", "viewer", ("data",))
    user, _ = sso.sso_user({"email": "x@y.z", "email_verified": True, "groups": ["cb-admins"]}, CONFIG, KNOWN, row)
    assert (user.role, user.scope) == ("viewer", frozenset({"data"}))
    disabled = Account("x@y.z", "admin", disabled=True)
    assert sso.sso_user({"email": "x@y.z", "email_verified": True}, CONFIG, KNOWN, disabled) == (None, "This account is disabled. Ask an admin.")


def test_configuration_is_read_from_secrets_toml(monkeypatch, tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text('[auth]\nclient_id = "costbook"\n[costbook.sso]\ngroups_claim = "roles"\n'
                    '[costbook.sso.roles]\n"cb-admins" = "admin"\n')
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(path))
    assert sso.configured() and sso.mapping()["roles"] == {"cb-admins": "admin"}
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(tmp_path / "absent.toml"))
    assert not sso.configured() and secret.section("auth") == {}
