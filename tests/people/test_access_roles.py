"""Roles are data: the permission truth table, navigation from it, and checks inside lib functions."""

import pytest

from lib.core import access
from lib.people import logins, users
from lib.store import audit
from lib.web import nav
from tests.access_helpers import add_people, user

TABLE = {
    # permission:       admin  finance head   viewer
    "view_spend":      (True,  True,   True,  True),
    "export":          (True,  True,   True,  False),
    "export_focus":    (True,  True,   False, False),
    "edit_config":     (False, True,   False, False),
    "close_month":     (False, True,   False, False),
    "manage_sources":  (True,  False,  False, False),
    "manage_users":    (True,  False,  False, False),
    "read_audit":      (True,  False,  False, False),
    "triage":          (True,  True,   True,  False),
}
ROLES = ("admin", "finance", "department_head", "viewer")


@pytest.mark.parametrize(("role", "permission", "allowed"),
                         [(r, p, row[i]) for p, row in TABLE.items() for i, r in enumerate(ROLES)])
def test_permission_truth_table(role, permission, allowed):
    someone = access.User("x", role, frozenset({"engineering"}))
    assert access.can(someone, permission) is allowed
    if not allowed:
        with pytest.raises(access.PermissionDenied, match=f"x \\({role}\\) may not"):
            access.require(someone, permission)


def test_table_covers_every_permission_and_role():
    assert set(TABLE) == set(access.PERMISSIONS)
    assert set(users.assignable_roles()) == set(ROLES)


def test_unknown_role_has_no_permission():
    assert access.permissions(access.User("x", "superuser")) == frozenset()


@pytest.mark.parametrize("role", ROLES)
def test_navigation_follows_the_table(role):
    pages = {p.path for p in nav.pages_for(access.ROLES[role])}
    assert ("pages/users.py" in pages) is TABLE["manage_users"][ROLES.index(role)]
    assert ("pages/audit.py" in pages) is TABLE["read_audit"][ROLES.index(role)]


def test_scope_is_departments_for_scoped_roles_only():
    assert access.User("d", "department_head", frozenset({"data"})).scope == frozenset({"data"})
    assert access.User("a", "admin", frozenset({"data"})).scope is None


ACTIONS = {  # what a page or CLI verb calls -> permission it needs
    "list users": (lambda s, u: users.list_users(s, u), "manage_users"),
    "dump users": (lambda s, u: users.dump_users(s, u), "manage_users"),
    "add user": (lambda s, u: users.save_user(s, u, "newbie", "viewer", ["data"], password="N3w-user-password"),
                 "manage_users"),
    "disable user": (lambda s, u: users.set_disabled(s, u, "vic"), "manage_users"),
    "reset password": (lambda s, u: users.reset_password(s, u, "ada", "An0ther-password!"), "manage_users"),
    "unlock": (lambda s, u: logins.unlock(s, u, "vic"), "manage_users"),
    "see locks": (lambda s, u: logins.current_locks(s, u), "manage_users"),
    "read audit": (lambda s, u: audit.entries(s, u), "read_audit"),
    "export audit": (lambda s, u: audit.export_csv(s, u, __import__("io").StringIO()), "read_audit"),
}


@pytest.mark.parametrize("name", ["ada", "fin", "dana", "vic"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_lib_functions_check_permissions_themselves(configured, name, action):
    add_people(configured, ["ada", "vic"])
    call, permission = ACTIONS[action]
    someone = user(name)
    if access.can(someone, permission):
        call(configured, someone)
    else:
        before = audit.entries(configured, access.CLI)
        with pytest.raises(access.PermissionDenied):
            call(configured, someone)
        assert audit.entries(configured, access.CLI) == before  # nothing changed, nothing recorded


def test_a_user_may_change_their_own_password_only(configured):
    add_people(configured, ["vic", "dana"])
    assert users.reset_password(configured, user("vic"), "vic", "Quiet-river-2026") == []
    with pytest.raises(access.PermissionDenied):
        users.reset_password(configured, user("vic"), "dana", "Dana-new-passw0rd")
