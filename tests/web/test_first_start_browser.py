"""In Chromium, on first start: while the demo company is being built, and on the login page after it,
no page of pages/ is listed or linked (Streamlit would otherwise list every file in pages/)."""

import pytest

from lib.web import nav
from tests.browser import browser, served, settle

pytestmark = pytest.mark.browser
PAGE_NAMES = {p.path.removeprefix("pages/").removesuffix(".py") for p in nav.PAGES}


def links(page) -> list[str]:
    """Every link in the sidebar and every navigation link on the page (by text and address)."""
    found = page.evaluate("() => [...document.querySelectorAll('a')].map(a => a.textContent + ' ' + a.href)")
    return [f for f in found if any(name in f.lower() for name in PAGE_NAMES) or "stSidebarNav" in f]


def test_no_page_list_before_login_also_while_the_demo_builds(tmp_path):
    data = tmp_path / "data"
    with served(data) as url, browser(height=1000) as page:
        page.goto(url)
        building = page.get_by_text("Building the demo company on first start")
        building.wait_for(timeout=60_000)
        seen_while_building = 0
        while building.count():  # look again and again while the build runs (it takes several seconds)
            assert page.get_by_test_id("stSidebarNav").count() == 0
            assert links(page) == [], links(page)
            seen_while_building += 1
            page.screenshot(path=str(tmp_path / f"building-{seen_while_building % 3}.png"))
            page.wait_for_timeout(400)
        assert seen_while_building >= 3  # the build was watched, not only its end
        page.get_by_role("button", name="Login", exact=True).wait_for(timeout=120_000)
        settle(page)
        assert page.get_by_test_id("stSidebarNav").count() == 0 and links(page) == []
        page.goto(f"{url}/audit")  # a page's address leads to the login too
        settle(page)
        assert page.get_by_role("button", name="Login", exact=True).count() == 1
        assert page.get_by_test_id("stSidebarNav").count() == 0 and links(page) == []
