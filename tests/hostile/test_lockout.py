"""Item 11: the per-client lockout counts under the address Streamlit sees, not one the client writes.

The lockout used to trust the first X-Forwarded-For hop: rotating it sprayed passwords without
limit, and writing a victim's address there locked the victim out. An attacker here sends the
header they like; only a configured trusted proxy's own hop is believed.
"""

import ipaddress

from lib.people import logins, startup
from tests.access_helpers import COOKIE_KEY, add_people

T0 = 1_800_000_000.0
ATTACKER, VICTIM, PROXY = "198.51.100.66", "203.0.113.10", "10.0.0.5"


def attempt(store, username, peer, forwarded, n, trusted=()):
    client = logins.client_address(peer, forwarded, list(trusted))
    logins.record_login(store, username, client, ok=False, now=T0 + n)
    return client


def test_rotating_the_header_does_not_reset_the_count(configured):
    add_people(configured, ["dana", "dora", "vic"])
    for n in range(5):
        attempt(configured, ["dana", "dora", "vic"][n % 3], ATTACKER, f"192.0.2.{n}", n)
    client = logins.client_address(ATTACKER, "192.0.2.99", [])
    assert client == ATTACKER
    assert logins.locked(configured, "ada", client, now=T0 + 6)  # any username, from the attacker's address


def test_writing_a_victims_address_does_not_lock_the_victim(configured):
    add_people(configured, ["dana"])
    for n in range(6):
        attempt(configured, f"guess{n}", ATTACKER, VICTIM, n)
    assert logins.locked(configured, "dana", logins.client_address(VICTIM, None, []), now=T0 + 7) is None


def test_behind_a_trusted_proxy_the_proxys_own_hop_counts(configured, monkeypatch):
    monkeypatch.setenv("COSTBOOK_TRUSTED_PROXIES", "10.0.0.0/24")
    trusted = logins.trusted_proxies()
    for n in range(5):  # the attacker writes the victim first; the proxy appends what it saw
        assert attempt(configured, f"guess{n}", PROXY, f"{VICTIM}, 192.0.2.{n}, {ATTACKER}", n, trusted) == ATTACKER
    assert logins.locked(configured, "x", ATTACKER, now=T0 + 6)
    assert logins.locked(configured, "x", logins.client_address(PROXY, VICTIM, trusted), now=T0 + 6) is None


def test_a_peer_that_is_not_a_trusted_proxy_is_taken_as_it_is(monkeypatch):
    monkeypatch.setenv("COSTBOOK_TRUSTED_PROXIES", "10.0.0.0/24")
    assert logins.client_address(ATTACKER, "10.0.0.7, 192.0.2.1", logins.trusted_proxies()) == ATTACKER
    assert logins.client_address(None, VICTIM, []) == "local"  # Streamlit reports 127.0.0.1 as None


def test_a_bad_trusted_proxy_setting_stops_the_start(configured, monkeypatch):
    monkeypatch.setenv("COSTBOOK_COOKIE_KEY", COOKIE_KEY)
    monkeypatch.setenv("COSTBOOK_TRUSTED_PROXIES", "10.0.0.0/24, not-an-address")
    (problem,) = startup.startup_problems(configured)
    assert problem.startswith("[costbook] trusted_proxies (COSTBOOK_TRUSTED_PROXIES) has an entry")


def test_a_local_proxy_is_believed_only_when_listed():
    local = [ipaddress.ip_network("127.0.0.1/32")]
    assert logins.client_address(None, f"{VICTIM}, {ATTACKER}", []) == "local"
    assert logins.client_address(None, f"{VICTIM}, {ATTACKER}", local) == ATTACKER
