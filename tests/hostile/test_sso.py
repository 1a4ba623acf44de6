"""Item 12 (single sign-on): an e-mail claim counts only when the identity provider verified it.

A person who can make the identity provider put someone else's address in their token (an
unverified address, or a preferred_username they chose) used to become that person in
Costbook, role and departments included. Now they are refused.
"""

import pytest

from lib.people import sso
from lib.people.users import Account

CONFIG = {"roles": {"cb-admins": "admin"}}
ADMIN_ROW = Account("ada@example.com", "admin")


@pytest.mark.parametrize("claims", [
    {"email": "ada@example.com", "groups": []},
    {"email": "ada@example.com", "email_verified": False},
    {"email": "ada@example.com", "email_verified": "false"},
    {"preferred_username": "ada@example.com", "sub": "ada@example.com"},
])
def test_an_unverified_address_never_becomes_the_person_it_names(claims):
    user, problem = sso.sso_user(claims, CONFIG, set(), ADMIN_ROW)
    assert user is None
    assert "did not confirm your e-mail address" in problem or "no email claim" in problem


def test_a_verified_address_signs_in_as_its_row():
    user, problem = sso.sso_user({"email": "Ada@Example.com", "email_verified": True}, CONFIG, set(), ADMIN_ROW)
    assert problem is None and (user.username, user.role) == ("ada@example.com", "admin")


def test_a_provider_without_the_claim_needs_an_explicit_setting():
    claims = {"email": "ada@example.com"}
    assert sso.sso_user(claims, CONFIG | {"require_email_verified": False}, set(), ADMIN_ROW)[0].role == "admin"


def test_an_address_that_is_not_a_safe_username_is_refused():
    user, problem = sso.sso_user({"email": "o'brien@example.com", "email_verified": True, "groups": ["cb-admins"]},
                                 CONFIG, set(), None)
    assert user is None and "cannot use this e-mail address as a username" in problem
