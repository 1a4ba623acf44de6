"""In Chromium: finance opens the demo's Web team and its Kubernetes tab shows the team's namespaces."""

import os

import pytest

from tests.browser import demo_page, open_page, settle

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("COSTBOOK_SCREENSHOTS")  # a folder to keep the screenshots in, to look at them


@pytest.mark.parametrize("width", [1400, 1024])
def test_the_kubernetes_tab_lists_the_teams_namespaces(demo_dir, tmp_path, width):
    with demo_page(demo_dir, tmp_path, "finance", width, 1400) as (page, _):
        open_page(page, "Teams", "Department")
        page.get_by_test_id("stSelectbox").filter(has_text="Team").locator("input").click()
        page.get_by_role("option", name="Web", exact=True).click()
        settle(page)
        page.get_by_role("tab", name="Kubernetes").click()
        settle(page)
        page.get_by_text("Efficiency = used / requested").wait_for()
        page.get_by_role("tabpanel", name="Kubernetes").get_by_test_id("stDataFrame").wait_for()
        assert page.get_by_test_id("stException").count() == 0
        folder = SHOTS or str(tmp_path)
        page.screenshot(path=os.path.join(folder, f"teams-kubernetes-{width}.png"), full_page=True)
