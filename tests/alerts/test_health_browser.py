"""The Health page in Chromium as the demo's admin: the failing source, its link to the run's problems."""

import pytest

from tests.browser import demo_page, open_page, settle

pytestmark = pytest.mark.browser


def test_admin_follows_the_failing_source_to_its_problems(demo_dir, tmp_path):
    with demo_page(demo_dir, tmp_path, "admin") as (page, _):
        open_page(page, "Health", "Refresh runs, last 90 days")
        settle(page)
        assert page.get_by_test_id("stException").count() == 0
        row = page.get_by_role("row").filter(has_text="refresh:partner-exports")
        assert "never refreshed successfully" in row.inner_text()
        assert page.locator(".js-plotly-plot").count() == 3
        page.screenshot(path=str(tmp_path / "health-1400.png"))
        page.set_viewport_size({"width": 1024, "height": 2600})
        settle(page)
        page.screenshot(path=str(tmp_path / "health-1024.png"))
        page.set_viewport_size({"width": 1400, "height": 800})
        heading = page.get_by_role("heading", name="Problems of run")
        assert heading.bounding_box()["y"] > 800  # below the fold
        row.get_by_role("link").click()
        page.wait_for_timeout(500)
        assert 0 < heading.bounding_box()["y"] < 800 and page.url.endswith("#run-" + heading.inner_text().split()[3])
        assert page.get_by_text("partner-exports, column path: folder").first.is_visible()
