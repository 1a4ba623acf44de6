"""End to end in Chromium: log in, open every page the role may see, no Streamlit exception anywhere."""

import shutil

import pytest

from lib.core import access
from lib.people.users import DEMO_PASSWORD
from lib.web import nav
from tests.browser import browser, login, served, settle

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(demo_dir, tmp_path_factory):
    data = tmp_path_factory.mktemp("browser") / "data"
    shutil.copytree(demo_dir, data)
    with served(data) as url:
        yield url


@pytest.mark.parametrize("username, role", [("finance", "finance"), ("head-data", "department_head"),
                                            ("admin", "admin")])
def test_every_page_opens_in_a_real_browser(app_url, tmp_path, username, role):
    with browser() as page:
        login(page, app_url, username, DEMO_PASSWORD)
        page.get_by_role("heading", name="Overview").wait_for()
        for p in nav.pages_for(access.ROLES[role]):
            page.get_by_role("link", name=p.title).click()
            settle(page)
            page.get_by_role("heading", name=p.title.split(" ")[0]).first.wait_for()
            assert page.get_by_test_id("stException").count() == 0, p.title
            page.screenshot(path=str(tmp_path / f"{role}-{p.title}.png"))


def test_a_page_outside_the_role_is_not_reachable_by_url(app_url):
    with browser() as page:
        login(page, app_url, "head-data", DEMO_PASSWORD)
        page.get_by_role("heading", name="Overview").wait_for()
        page.goto(f"{app_url}/rules")
        settle(page)
        assert page.get_by_role("heading", name="Allocation rules").count() == 0
