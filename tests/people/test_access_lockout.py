"""Lockout with an injected clock: 5 failures in 15 minutes lock for 15 minutes; admins unlock."""

from lib.core import access
from lib.people import logins
from lib.store import audit
from lib.store.state import state
from tests.access_helpers import add_people

T0 = 1_800_000_000.0
MIN = 60.0


def fail(store, n, name="dana", client="10.0.0.1", start=T0, step=MIN):
    for i in range(n):
        logins.record_login(store, name, client, ok=False, now=start + i * step)


def test_five_failures_lock_the_account_for_fifteen_minutes(configured):
    add_people(configured, ["dana"])
    fail(configured, 4)
    assert logins.locked(configured, "dana", "10.0.0.2", now=T0 + 4 * MIN) is None
    message = logins.record_login(configured, "dana", "10.0.0.1", ok=False, now=T0 + 4 * MIN)
    assert message.startswith("Too many failed logins")
    assert logins.locked(configured, "dana", "10.0.0.9", now=T0 + 4 * MIN + 14 * MIN)  # any client
    assert logins.locked(configured, "dana", "10.0.0.9", now=T0 + 4 * MIN + 15 * MIN + 1) is None


def test_failures_older_than_the_window_do_not_count(configured):
    add_people(configured, ["dana"])
    fail(configured, 4, step=5 * MIN)  # at 0, 5, 10, 15 minutes
    assert logins.record_login(configured, "dana", "c", ok=False, now=T0 + 16 * MIN) is None  # first fell out


def test_a_success_starts_the_count_afresh(configured):
    add_people(configured, ["dana"])
    fail(configured, 4)
    logins.record_login(configured, "dana", "10.0.0.1", ok=True, now=T0 + 5 * MIN)
    fail(configured, 4, start=T0 + 6 * MIN)
    assert logins.locked(configured, "dana", "", now=T0 + 10 * MIN) is None


def test_admin_unlock_lifts_the_lock_and_is_audited(configured):
    add_people(configured, ["dana", "ada"])
    fail(configured, 5)
    ada = access.User("ada", "admin")
    assert [lock.key for lock in logins.current_locks(configured, ada, now=T0 + 5 * MIN)] == ["client:10.0.0.1", "dana"]
    assert logins.unlock(configured, ada, "dana", now=T0 + 6 * MIN) is True
    assert logins.locked(configured, "dana", "10.0.0.7", now=T0 + 6 * MIN) is None
    fail(configured, 4, start=T0 + 7 * MIN, client="10.0.0.7")  # the count restarted at the unlock
    assert logins.locked(configured, "dana", "10.0.0.7", now=T0 + 11 * MIN) is None
    assert audit.entries(configured, ada, action="user.unlock")[0].actor == "ada"


def test_failures_from_one_client_across_usernames_block_that_client(configured):
    add_people(configured, ["dana", "dora", "vic"])
    for i, name in enumerate(["dana", "dora", "vic", "dana", "dora"]):
        logins.record_login(configured, name, "203.0.113.5", ok=False, now=T0 + i)
    assert logins.locked(configured, "vic", "203.0.113.5", now=T0 + 10)
    assert logins.locked(configured, "vic", "198.51.100.1", now=T0 + 10) is None


def test_unknown_usernames_lock_too_but_are_never_stored_in_clear(configured):
    typed = "Oops-my-Passw0rd"  # what people type into the username field by mistake
    fail(configured, 5, name=typed)
    assert logins.locked(configured, typed, "", now=T0 + 5 * MIN)
    with state(configured) as db:
        stored = [tuple(r) for r in db.execute("select * from login_attempts")]
        stored += [tuple(r) for r in db.execute("select * from audit_log")]
        stored += [tuple(r) for r in db.execute("select * from user_locks")]
    assert typed not in repr(stored)
    assert all(e.actor.startswith("unknown:") for e in audit.entries(configured, access.CLI, action="login.failure"))
