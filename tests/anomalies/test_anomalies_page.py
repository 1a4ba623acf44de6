"""The Anomalies page under Streamlit's AppTest, on a real store with an imported bill."""

import pytest
from streamlit.testing.v1 import AppTest

from lib.core import access
from lib.web.context import Filters
from tests.anomalies_helpers import copy_of_daily_bill

FINANCE = access.User("fiona", "finance")
VIEWER = access.User("val", "viewer", frozenset({"engineering"}))
MONTHS = ("2026-06", "2026-07", "2026-08", "2026-09")  # the months of import_daily_bill


@pytest.fixture
def data_dir(tmp_path_factory, tmp_path, monkeypatch):
    store = copy_of_daily_bill(tmp_path_factory, tmp_path)
    monkeypatch.setenv("COSTBOOK_DATA_DIR", str(store.data_dir))
    return store.data_dir


def page(user, data_dir) -> AppTest:
    at = AppTest.from_file("../../pages/anomalies.py", default_timeout=60)
    at.session_state["user"] = user
    at.session_state["filters"] = Filters(MONTHS[-1], MONTHS, (), "effective", "USD")
    return at.run()


def test_list_chart_and_triage(data_dir):
    at = page(FINANCE, data_dir)
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.team) == ["web", "web", "search"]
    assert list(table.severity) == ["high", "high", "high"]
    assert table.explanation[0].startswith("web / Amazon EC2 in account acct-web (Main) +$")
    assert list(table.account) == ["acct-web", "acct-web", "acct-search"]
    assert len(at.get("plotly_chart")) == 1
    at.radio[0].set_value("acknowledged")
    at.text_input[0].set_value("GPU test, owner knows")
    at.button[0].click().run()
    assert not at.exception
    again = page(FINANCE, data_dir)  # a new session: the state comes back from the store
    assert list(again.dataframe[0].value.state) == ["acknowledged", "new", "new"]
    assert again.radio[0].value == "acknowledged" and again.text_input[0].value == "GPU test, owner knows"


def test_viewer_sees_no_triage_controls(data_dir):
    at = page(VIEWER, data_dir)
    assert not at.exception
    assert len(at.dataframe[0].value) == 3
    assert len(at.radio) == 0 and len(at.button) == 0


def test_a_teaching_decision_says_what_it_suppresses(data_dir):
    at = page(FINANCE, data_dir)
    at.radio[0].set_value("recurring")
    at.text_input[0].set_value("monthly load test")
    at.button[0].click().run()
    assert not at.exception
    [saved] = at.success
    assert saved.value.startswith("Marked recurring. Later anomalies of web / Amazon EC2 / acct-web ")
    assert saved.value.endswith("of a month will show as recurring and not alert.")
