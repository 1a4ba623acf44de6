"""The Health page under Streamlit's AppTest: the checks, the trends, and the problems of the failing run."""

import base64
import json

import numpy as np
import pytest

from tests.alerts.health_helpers import configure, refresh_failing, refresh_ok
from tests.paths import ROOT
from tests.people.test_access_login import app_store, login  # noqa: F401 (the fixture and the login of those tests)

PAGE = str(ROOT / "pages" / "health.py")


@pytest.fixture
def page(app_store):  # noqa: F811
    """The admin, logged in through the real shell (login gate, role navigation), asks for the Health page."""
    return lambda: login("ada").switch_page(PAGE).run()


def test_failing_source_links_to_its_runs_problems(configured, tmp_path, page):
    folder = configure(configured, tmp_path)
    refresh_ok(configured)
    refresh_failing(configured, folder)
    failed = refresh_failing(configured, folder)
    at = page()
    assert not at.exception
    assert [m.value for m in at.metric] == ["FAIL", "1", "1"]  # refresh:exports fails, alerts check never ran
    table = next(m.value for m in at.markdown if m.value.startswith("| status |"))
    row = next(line for line in table.splitlines() if "refresh:exports" in line)
    assert row.startswith("| :red[**fail**] | refresh:exports | the last 2 runs failed: exports, column path: folder")
    assert row.endswith(f"still served · [problems of run {failed.run_id}](#run-{failed.run_id}) |")
    [heading] = [h for h in at.subheader if h.value.startswith("Problems of run")]
    assert heading.value == f"Problems of run {failed.run_id} (exports)" and heading.proto.anchor == f"run-{failed.run_id}"
    assert at.code[0].value.startswith("exports, column path: folder ") and at.code[0].value.endswith("does not exist")
    charts = at.get("plotly_chart")
    assert len(charts) == 3
    traces = [json.loads(c.proto.spec)["data"] for c in charts]
    assert [t["name"] for t in traces[0]] == ["exports"] and len(traces[0][0]["x"]) == 1  # one successful run
    [bars] = traces[2]  # failed runs per day: both on the same day, in the source's colour
    assert len(bars["x"]) == 1 and np.frombuffer(base64.b64decode(bars["y"]["bdata"]), bars["y"]["dtype"]).tolist() == [2]
    assert bars["marker"]["color"] == traces[0][0]["line"]["color"]


def test_a_healthy_store_shows_no_failing_runs(configured, tmp_path, page):
    configure(configured, tmp_path)
    refresh_ok(configured)
    at = page()
    assert not at.exception and at.metric[1].value == "0"
    assert not [h for h in at.subheader if h.value.startswith("Problems of run")]
