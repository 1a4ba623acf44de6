"""Logging in sends the server one message (the form), sets the session cookie, and a reload stays logged
in; logging out deletes the cookie. A cookie component that reports back made the page run again."""

import pytest

from lib.config import versions
from lib.core import access
from lib.store.state import open_store
from tests.access_helpers import COOKIE_KEY, PASSWORD, add_people
from tests.browser import browser, served, settle
from tests.conftest import ORG, RULES

pytestmark = pytest.mark.browser


@pytest.fixture
def url(tmp_path, monkeypatch):
    store = open_store(tmp_path / "data")
    assert versions.save_org(store, ORG, access.CLI, "setup")[1] == []
    assert versions.save_rules(store, RULES, access.CLI, "setup")[1] == []
    add_people(store, ["ada"])
    monkeypatch.delenv("COSTBOOK_DEMO", raising=False)
    with served(store.data_dir, {"COSTBOOK_COOKIE_KEY": COOKIE_KEY, "COSTBOOK_NO_DEMO": "1"}) as address:
        yield address


def session_cookie(page) -> list[str]:
    return [c["value"] for c in page.context.cookies() if c["name"] == "costbook_session"]


def test_login_runs_once_keeps_the_session_over_a_reload_and_logout_ends_it(url):
    from playwright.sync_api import expect

    with browser(height=1000) as page:
        sent = []
        page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
        page.goto(url)
        expect(page.get_by_role("button", name="Login", exact=True)).to_be_visible()
        settle(page)
        page.wait_for_timeout(1500)  # the login page's own components have reported by now
        page.get_by_role("textbox", name="Username").fill("ada")
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        sent.clear()
        page.get_by_role("button", name="Login", exact=True).click()
        expect(page.get_by_role("heading", name="Users")).to_be_visible()
        settle(page)
        page.wait_for_timeout(2000)
        assert len(sent) == 1  # the form: nothing on the page asks for another run
        token = session_cookie(page)
        assert len(token) == 1 and token[0].count(".") == 2  # a signed token
        page.reload()
        expect(page.get_by_role("heading", name="Users")).to_be_visible()
        settle(page)
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_role("button", name="Login", exact=True)).to_be_visible()
        settle(page)
        assert session_cookie(page) == []
        page.reload()
        expect(page.get_by_role("button", name="Login", exact=True)).to_be_visible()
