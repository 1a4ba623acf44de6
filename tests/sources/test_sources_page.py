"""The Data sources page under Streamlit's AppTest, with a real store and a folder source."""

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from lib.core import access
from lib.sources import imports
from tests.sources.test_sources_normalizers import ACTUAL, AWS

SCRIPT = """
import streamlit as st
from lib.core import access
st.session_state["user"] = access.User("ada", "admin", name="Ada")
st.session_state["filters"] = None
exec(compile(open("pages/data_sources.py").read(), "pages/data_sources.py", "exec"))
"""


@pytest.fixture
def page(store, monkeypatch, tmp_path):
    monkeypatch.setenv("COSTBOOK_DATA_DIR", str(store.data_dir))
    drop = tmp_path / "drop" / "2023-06"
    drop.mkdir(parents=True)
    (drop / "cur.csv").write_bytes(AWS.read_bytes())
    (store.data_dir / "settings.yaml").write_text(yaml.safe_dump({"sources": [
        {"name": "drop", "provider": "aws", "kind": "folder", "params": {"path": str(tmp_path / "drop")}}]}))
    return AppTest.from_string(SCRIPT, default_timeout=60)


def refresh_months(at, months: str) -> None:
    next(t for t in at.text_input if t.label == "Billing periods").set_value(months)
    next(b for b in at.button if b.label == "Refresh now").click().run()


def test_page_lists_sources_and_refreshes_with_progress(page):
    at = page.run()
    assert not at.exception
    sources = at.dataframe[0].value
    assert list(sources.Source) == ["drop"] and list(sources["Last run"]) == ["never run"]
    refresh_months(at, "2023-06")
    assert not at.exception
    assert [s.value for s in at.success] == ["drop: 3 rows for 2023-06"]
    [bar] = at.get("progress")  # the same progress reports the command line draws as a bar
    assert bar.proto.value == 100 and bar.proto.text.startswith("swapped in 3 charges")
    at.run()
    assert list(at.dataframe[0].value["Newest period"]) == ["2023-06"]
    history = at.dataframe[-1].value
    assert list(history.Outcome) == ["ok"] and history.Totals[0] == "billed kr 30.00, effective kr 0.30"


def test_failed_refresh_shows_its_problems(page):
    at = page.run()
    refresh_months(at, "2021-01")
    assert [e.value for e in at.error] == ["drop: failed, the previous data is still served"]
    assert "no export files for 2021-01" in at.dataframe[-2].value.Reason[0]


def test_upload_reports_problems_per_row(store, tmp_path):
    lines = ACTUAL.read_text(encoding="utf-8-sig").splitlines()
    cells = lines[2].split(",")
    cells[21] = "lots"  # the Cost column of the second data row
    bad = "\n".join([lines[0], lines[1], ",".join(cells)]) + "\n"
    result = imports.import_uploads(store, access.User("ada", "admin"), [("../../actual.csv", bad.encode())])
    assert not result.ok
    assert [str(p) for p in result.problems] == ["actual.csv, row 3, column Cost: not a number"]
    with pytest.raises(access.PermissionDenied):
        imports.import_uploads(store, access.User("vic", "viewer"), [("a.csv", b"x")])


def test_an_admin_downloads_the_month_as_focus(store, monkeypatch):
    from lib.web.context import Filters
    monkeypatch.setenv("COSTBOOK_DATA_DIR", str(store.data_dir))
    assert imports.import_paths(store, access.CLI, [str(AWS)]).ok
    script = SCRIPT.replace('st.session_state["filters"] = None', "st.session_state['filters'] = st.session_state['f']")
    at = AppTest.from_string(script, default_timeout=60)
    at.session_state["f"] = Filters("2023-06", ("2023-06",), (), "effective", "NOK")
    at.run()
    assert not at.exception
    assert "FOCUS export" in [h.value for h in at.subheader]
    assert [b.proto.label for b in at.get("download_button")] == ["Download FOCUS"]
