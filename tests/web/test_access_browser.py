"""A real browser against `streamlit run app.py`: login, logout, and lockout after five failures."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from lib.config import versions
from lib.core import access
from lib.store import audit
from lib.store.state import open_store
from tests.access_helpers import COOKIE_KEY, PASSWORD, add_people
from tests.browser import ARGS, CHROMIUM, free_port
from tests.conftest import ORG, RULES
from tests.paths import ROOT

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")



@pytest.fixture
def server(tmp_path):
    store = open_store(tmp_path / "data")
    assert versions.save_org(store, ORG, access.CLI, "setup")[1] == []
    assert versions.save_rules(store, RULES, access.CLI, "setup")[1] == []
    add_people(store, ["ada", "dana"])
    # No billing data: the spend pages stay hidden and an admin lands on Users, which paints quickly.
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COSTBOOK_")}
    env |= {"COSTBOOK_DATA_DIR": str(store.data_dir), "COSTBOOK_NO_DEMO": "1", "COSTBOOK_COOKIE_KEY": COOKIE_KEY,
            "COSTBOOK_SECRETS_FILE": str(tmp_path / "absent.toml")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    try:
        yield url, tmp_path
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def failures(folder) -> int:
    return len(audit.entries(open_store(folder / "data"), access.CLI, action="login.failure"))


def logins(folder) -> int:
    return len(audit.entries(open_store(folder / "data"), access.CLI, action="login.success"))


def wait_until(condition, timeout=30.0):
    deadline = time.time() + timeout
    while not condition():
        assert time.time() < deadline, "the app did not handle the login attempt"
        time.sleep(0.1)


def settle(page):
    """Wait until the app is not running a script (clicks during a run can be lost)."""
    page.wait_for_timeout(1000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)


def log_in(page, username, password):
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Login").click()


def test_login_logout_and_lockout_in_a_browser(server):
    url, shots = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        page.goto(url)
        expect(page.get_by_role("button", name="Login")).to_be_visible(timeout=60_000)
        settle(page)
        log_in(page, "ada", PASSWORD)
        wait_until(lambda: logins(shots) == 1, timeout=60)
        expect(page.get_by_text("Ada · admin")).to_be_visible(timeout=60_000)
        expect(page.get_by_role("heading", name="Users")).to_be_visible(timeout=60_000)
        settle(page)
        page.screenshot(path=str(shots / "logged-in.png"))
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_role("button", name="Login")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Ada · admin")).to_have_count(0)
        for n in range(1, 6):
            log_in(page, "dana", "Not-the-password-9")
            wait_until(lambda n=n: failures(shots) == n)  # the server has handled this attempt
            settle(page)
        expect(page.get_by_text("Too many failed logins")).to_be_visible(timeout=30_000)
        log_in(page, "dana", PASSWORD)  # the right password is refused while locked
        wait_until(lambda: failures(shots) == 6)
        expect(page.get_by_text("Too many failed logins")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Dana · department head")).to_have_count(0)
        page.screenshot(path=str(shots / "locked.png"))
        browser.close()
