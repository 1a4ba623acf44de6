"""A real browser logs in as finance, opens Statements and downloads a team's PDF statement."""

import sqlite3
import subprocess

import pytest

from lib.store.lake import new_duck
from lib.store.state import open_store
from tests import statement_helpers as h
from tests.access_helpers import COOKIE_KEY, PASSWORD, add_people
from tests.browser import browser, login, open_page, served, settle

pytestmark = pytest.mark.browser


@pytest.fixture
def app(tmp_path, monkeypatch):
    store = open_store(tmp_path / "data")
    h.setup_company(store, new_duck(), tmp_path)
    add_people(store, ("fin",))
    monkeypatch.delenv("COSTBOOK_DEMO", raising=False)
    with served(store.data_dir, {"COSTBOOK_COOKIE_KEY": COOKIE_KEY, "COSTBOOK_NO_DEMO": "1"}) as url:
        yield url, store


def test_finance_downloads_a_pdf_statement(app, tmp_path):
    from playwright.sync_api import expect

    url, store = app
    with browser(height=1400) as page:
        login(page, url, "fin", PASSWORD)
        expect(page.get_by_test_id("stMetricValue").first).to_be_visible(timeout=120000)  # the overview is drawn
        open_page(page, "Statements", "Per team")
        settle(page)
        buttons = page.get_by_role("button", name="PDF")
        expect(buttons).to_have_count(3)
        page.screenshot(path=str(tmp_path / "statements.png"))
        with page.expect_download(timeout=30000) as info:
            buttons.nth(2).click()  # teams in name order: Platform, Search, Web
        download = info.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
    assert saved.name == "statement-2026-10-web.pdf"
    text = subprocess.run(["pdftotext", str(saved), "-"], capture_output=True, text=True, check=True).stdout
    assert "CB-2026-10-web-1" in text and "$138.01" in text
    with sqlite3.connect(store.state_path) as db:
        assert db.execute("select actor, target from audit_log where action = 'statement.download'").fetchall() == [
            ("fin", "web 2026-10")]
