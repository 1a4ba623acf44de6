"""In Chromium: finance builds a rule with the builder, reads its preview and saves it."""

import pytest
import yaml

from lib.config import versions
from lib.store.state import open_store
from tests.browser import demo_page, open_page, settle

pytestmark = pytest.mark.browser


def pick(page, box, text: str) -> None:
    """Choose in a Streamlit select box by typing (as a person with a keyboard does)."""
    box.click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    settle(page)


def test_finance_builds_previews_and_saves_a_rule(demo_dir, tmp_path):
    with demo_page(demo_dir, tmp_path, "finance") as (page, data):
        open_page(page, "Rules", "Allocation rules")
        settle(page)
        count = page.get_by_test_id("stExpander").count()
        page.get_by_role("button", name="Add a rule").click()
        settle(page)
        card = page.get_by_test_id("stExpander").nth(count)
        name = card.get_by_role("textbox", name="Rule name")
        name.fill("Sandbox to platform")
        name.press("Enter")
        settle(page)
        pick(page, card.get_by_role("combobox", name="Field"), "Sub account name")
        pick(page, card.get_by_role("combobox", name="Value"), "acme-sandbox")
        pick(page, card.get_by_role("combobox", name="Team"), "Platform")
        page.get_by_text("Charges that move").wait_for()
        assert "Sandbox to platform" in card.locator("summary").inner_text()
        assert " charges, $" in card.locator("summary").inner_text()  # what it catches this month
        moved = page.get_by_test_id("stMetric").filter(has_text="Charges that move")
        assert int(moved.get_by_test_id("stMetricValue").inner_text().replace(",", "")) > 0
        assert page.get_by_test_id("stException").count() == 0
        for width in (1400, 1024):
            page.set_viewport_size({"width": width, "height": 2600})
            settle(page)
            page.screenshot(path=str(tmp_path / f"rules-built-{width}.png"), full_page=True)
        page.get_by_role("textbox", name="Comment (required)").fill("Sandbox account belongs to platform")
        page.get_by_role("button", name="Save as new version").click()
        page.get_by_text("Saved as version 2.").wait_for()
    saved = versions.versions(open_store(data))[0]
    rule = yaml.safe_load(saved.yaml)["rules"][-1]
    assert rule == {"name": "Sandbox to platform", "match": {"sub_account_name": "acme-sandbox"}, "to": "platform"}
    assert saved.comment == "Sandbox account belongs to platform"
