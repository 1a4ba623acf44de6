"""A real browser logs in as finance, opens Statements and downloads a team's PDF statement."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from lib.store import new_duck, open_store
from tests import statement_helpers as h
from tests.access_helpers import COOKIE_KEY, PASSWORD, add_people

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app(tmp_path):
    store = open_store(tmp_path / "data")
    h.setup_company(store, new_duck(), tmp_path)
    add_people(store, ("fin",))
    port = free_port()
    env = {**os.environ, "COSTBOOK_DATA_DIR": str(store.data_dir), "COSTBOOK_COOKIE_KEY": COOKIE_KEY,
           "COSTBOOK_NO_DEMO": "1"}
    env.pop("COSTBOOK_DEMO", None)
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.2)
        yield url, store
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_finance_downloads_a_pdf_statement(app, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    url, store = app
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
        page.goto(url)
        expect(page.get_by_role("button", name="Login")).to_be_enabled(timeout=60000)
        page.get_by_role("textbox", name="Username").fill("fin")
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.get_by_role("button", name="Login").click()
        expect(page.get_by_test_id("stMetricValue").first).to_be_visible(timeout=120000)  # the overview is drawn
        page.get_by_role("link", name="Statements", exact=True).click()
        expect(page.get_by_text("Per team")).to_be_visible(timeout=30000)
        buttons = page.get_by_role("button", name="PDF")
        expect(buttons).to_have_count(3)
        page.screenshot(path=str(tmp_path / "statements.png"))
        with page.expect_download(timeout=30000) as info:
            buttons.nth(2).click()  # teams in name order: Platform, Search, Web
        download = info.value
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        browser.close()
    assert saved.name == "statement-2026-10-web.pdf"
    text = subprocess.run(["pdftotext", str(saved), "-"], capture_output=True, text=True, check=True).stdout
    assert "CB-2026-10-web-1" in text and "$138.00" in text
    with sqlite3.connect(store.state_path) as db:
        assert db.execute("select actor, target from audit_log where action = 'statement.download'").fetchall() == [
            ("fin", "web 2026-10")]
