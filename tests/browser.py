"""A real browser against `streamlit run`: Debian's Chromium driven by Playwright.

>>> with served(data_dir) as url, browser() as page: ...     # doctest: +SKIP
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.paths import ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(data_dir, extra_env=None, args=(), scheme="http"):
    """Run the app with `streamlit run` on a free loopback port until the block ends."""
    port = free_port()
    env = dict(os.environ, COSTBOOK_DATA_DIR=str(data_dir), **(extra_env or {}))
    log = open(Path(data_dir).parent / f"streamlit-{port}.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false", *args],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"{scheme}://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def _wait_healthy(url: str, proc, timeout: float = 60) -> None:
    import ssl

    ctx = ssl._create_unverified_context()
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        with contextlib.suppress(OSError):
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2, context=ctx).read() == b"ok":
                return
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not become healthy")


@contextlib.contextmanager
def browser(height: int = 2000):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = b.new_page(viewport={"width": 1400, "height": height}, accept_downloads=True)
        page.set_default_timeout(60_000)
        try:
            yield page
        finally:
            b.close()


def login(page, url: str, username: str, password: str, attempts: int = 3) -> None:
    """Log in through the form; typing before the first script run has finished can be lost, so retry."""
    from playwright.sync_api import expect

    page.goto(url)
    for _ in range(attempts):
        settle(page)
        expect(page.get_by_role("textbox", name="Username")).to_have_count(1)  # one form, not a stale copy
        page.get_by_role("textbox", name="Username").fill(username)
        page.get_by_role("textbox", name="Password").fill(password)
        page.get_by_role("button", name="Login", exact=True).click()
        try:
            page.get_by_role("button", name="Login", exact=True).wait_for(state="detached", timeout=30_000)
            return
        except Exception:  # the form is still there: the typing was lost or the login refused
            if page.get_by_test_id("stAlert").filter(has_text="incorrect").count():
                break
    raise AssertionError(f"could not log in as {username}")


@contextlib.contextmanager
def demo_page(demo_dir, tmp_path, username: str, width: int = 1400, height: int = 2600):
    """A copy of the demo company served, and a page logged in as one of its demo users on its Overview.

    Yields (page, data folder of the copy).
    """
    from lib.people.users import DEMO_PASSWORD

    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    with served(data) as url, browser(height=height) as page:
        page.set_viewport_size({"width": width, "height": height})
        login(page, url, username, DEMO_PASSWORD)
        page.get_by_role("heading", name="Overview").wait_for()
        yield page, data


def settle(page) -> None:
    """Wait until Streamlit has finished running the script (no running indicator, no skeletons)."""
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]') && "
        "!document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=90_000)


def open_page(page, link: str, shows: str, attempts: int = 3) -> None:
    """Click a navigation link until the page shows the text `shows`.

    A click that lands while Streamlit is still rerunning the current page can be dropped on a
    busy machine (the page stays where it was), so click again.
    """
    for attempt in range(attempts):
        settle(page)
        page.get_by_role("link", name=link, exact=True).click(timeout=60_000)
        try:
            page.get_by_text(shows).first.wait_for(state="visible", timeout=30_000)
            return
        except Exception:
            if attempt == attempts - 1:
                raise
