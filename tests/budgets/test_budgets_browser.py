"""A real browser logs in as a department head, opens Budgets and looks at the web team's burn chart."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from lib.budgets import budget
from lib.config import versions
from lib.core import access
from lib.store.state import open_store
from tests.access_helpers import COOKIE_KEY, PASSWORD, add_people
from tests.bill import charge
from tests.browser import CHROMIUM, free_port, open_page
from tests.conftest import ORG, RULES, load_bill
from tests.paths import ROOT

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")



@pytest.fixture
def app(tmp_path):
    store = open_store(tmp_path / "data")
    versions.save_org(store, ORG, access.CLI, "test org")
    versions.save_rules(store, RULES, access.CLI, "test rules")
    load_bill(store, tmp_path, [charge(team, "Amazon EC2", cost + d % 7 * 5, day=f"2026-10-{d:02d}")
                                for d in range(1, 21) for team, cost in (("web", 100), ("search", 50))])
    budget.load_budgets_csv(store, "team,month,amount,currency\nweb,2026-10,2400,USD\nsearch,2026-10,5000,USD\n",
                             access.CLI)
    add_people(store, ("dana",))
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
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def log_in(page, username: str, tries: int = 3) -> None:
    """Fill the login form until the navigation shows (a busy machine can rerun the form under our typing)."""
    from playwright.sync_api import expect

    for attempt in range(tries):
        page.get_by_role("textbox", name="Username").fill(username)
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.get_by_role("button", name="Login").click()
        try:
            expect(page.get_by_role("link", name="Budgets", exact=True)).to_be_visible(timeout=30000)
            return
        except AssertionError:
            if attempt == tries - 1:
                raise


def test_department_head_opens_a_teams_burn_chart(app, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(app)
        log_in(page, "dana")
        expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=120000)  # the landing page has run
        open_page(page, "Budgets", "Burn chart for")
        page.get_by_role("combobox", name="Burn chart for").click()
        page.get_by_role("option", name="web · 2026-10 · USD").click()
        chart = page.get_by_test_id("stPlotlyChart")
        expect(chart.get_by_text("web · 2026-10 · effective cost")).to_be_visible(timeout=30000)
        # While Streamlit swaps the chart for the chosen budget, the previous one can still be drawn.
        expect(chart.get_by_text("Forecast", exact=True).first).to_be_visible()
        expect(chart.get_by_text("over budget 21 Oct")).to_be_visible()  # 2,315 by the 20th, about 117 a day
        expect(page.get_by_test_id("stMetricValue").first).to_have_text("$2,315.00")
        page.screenshot(path=str(Path(os.environ.get("BUDGETS_SCREENSHOT", tmp_path / "budgets.png"))), full_page=True)
        browser.close()
