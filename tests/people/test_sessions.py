"""Server-side login sessions: a cookie's token logs in only while its session lives."""

from lib.core import access
from lib.people import sessions, users
from tests.access_helpers import add_people

T0 = 1_800_000_000.0


def test_a_session_is_valid_for_its_user_until_it_expires_or_is_revoked(configured):
    token = sessions.start(configured, "dana", hours=12, now=T0)
    assert sessions.valid(configured, token, "dana", now=T0 + 60)
    assert not sessions.valid(configured, token, "ada", now=T0 + 60)  # another user's name in a forged cookie
    assert not sessions.valid(configured, token, "dana", now=T0 + 12 * 3600 + 1)
    assert not sessions.valid(configured, "made-up", "dana", now=T0) and not sessions.valid(configured, None, "dana")
    sessions.revoke(configured, token, now=T0 + 120)
    assert not sessions.valid(configured, token, "dana", now=T0 + 121)


def test_a_password_reset_or_disabling_ends_every_session_of_the_user(configured):
    add_people(configured, ["ada", "dana"])
    one, two = sessions.start(configured, "dana", 12), sessions.start(configured, "dana", 12)
    other = sessions.start(configured, "ada", 12)
    assert users.reset_password(configured, access.CLI, "dana", "An0ther-long-passphrase") == []
    assert not sessions.valid(configured, one, "dana") and not sessions.valid(configured, two, "dana")
    assert sessions.valid(configured, other, "ada")
    assert users.set_disabled(configured, access.CLI, "ada") == []
    assert not sessions.valid(configured, other, "ada")
