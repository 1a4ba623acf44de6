"""Billing sources edited from the app: saved in settings.yaml, their secrets named, tested against real
client libraries (moto, local HTTP servers for Azure and Google, a folder), nothing loaded by a test."""

import gzip

import boto3
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from lib.core import access
from lib.sources import refresh
from lib.sources import source_settings as ss
from lib.sources.refresh import Source
from lib.store.state import state
from tests.blob_server import BlobContainer
from tests.sources.test_sources_azure_blob import run
from tests.sources.test_sources_normalizers import ACTUAL, AMORTIZED, AWS
from tests.sources.test_sources_refresh import AZ_COLUMNS, AZ_PATH, azure_source, ce_group, day, queue_ce

ADMIN = access.User("ada", "admin", name="Ada")


def drop_folder(tmp_path):
    folder = tmp_path / "drop" / "2023-06"
    folder.mkdir(parents=True)
    (folder / "cur.csv").write_bytes(AWS.read_bytes())
    return str(tmp_path / "drop")


def test_sources_are_added_edited_renamed_and_removed_in_settings_yaml(store, tmp_path):
    path = store.data_dir / "settings.yaml"
    path.write_text("freshness: {keep: me}\nsources: []\n")
    folder = Source("drop", "any", "folder", {"path": drop_folder(tmp_path), "format": "auto", "unused": ""})
    assert ss.save_source(store, ADMIN, folder) == []
    assert ss.save_source(store, ADMIN, Source("cur", "aws", "s3-export", {"bucket": "billing", "prefix": ""})) == []
    doc = yaml.safe_load(path.read_text())
    assert doc["freshness"] == {"keep": "me"}  # the rest of the file is kept
    assert doc["sources"][0] == {"name": "drop", "provider": "any", "kind": "folder",
                                 "params": {"path": folder.params["path"], "format": "auto"}}
    assert ss.save_source(store, ADMIN, Source("cur-2023", "aws", "s3-export", {"bucket": "b2"}), replaces="cur") == []
    assert [s.name for s in refresh.load_sources(store)[0]] == ["drop", "cur-2023"]
    assert ss.remove_source(store, ADMIN, "drop") == []
    assert [(s.name, s.params) for s in refresh.load_sources(store)[0]] == [("cur-2023", {"bucket": "b2"})]
    with state(store) as db:
        assert [r[0] for r in db.execute("select action from audit_log order by id")] == [
            "sources.save", "sources.save", "sources.save", "sources.remove"]


@pytest.mark.parametrize("src, says", [
    (Source("", "aws", "s3-export", {"bucket": "b"}), "a source needs a name"),
    (Source("cur", "aws", "s3-export", {}), "cur: bucket is needed"),
    (Source("az", "azure", "azure-query", {"scope": "/s", "client_secret": "x"}), "client_secret is a secret"),
    (Source("drop", "any", "folder", {"path": "/x"}), "a source named 'drop' already exists"),
])
def test_a_bad_source_is_refused_and_nothing_changes(store, src, says):
    assert ss.save_source(store, ADMIN, Source("drop", "any", "folder", {"path": "/tmp"})) == []
    before = (store.data_dir / "settings.yaml").read_text()
    problems = ss.save_source(store, ADMIN, src)
    assert any(says in p for p in problems), problems
    assert (store.data_dir / "settings.yaml").read_text() == before


def test_editing_sources_needs_manage_sources(store):
    with pytest.raises(access.PermissionDenied):
        ss.save_source(store, access.User("fin", "finance"), Source("drop", "any", "folder", {"path": "/x"}))


def test_secrets_are_named_with_whether_they_are_set_never_their_values(tmp_path, monkeypatch):
    path = tmp_path / "secrets.toml"
    path.write_text('[sources.aws-prod]\naws_access_key_id = "AKIAEXAMPLE"\naws_secret_access_key = "s3cr3t"\n')
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(path))
    monkeypatch.setenv("AWS_PROFILE", "billing")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    status = ss.secret_status(Source("aws-prod", "aws", "cost-explorer"))
    assert [(s.name, s.where, s.set) for s in status] == [
        ("aws_access_key_id", "secrets.toml [sources.aws-prod]", True),
        ("aws_secret_access_key", "secrets.toml [sources.aws-prod]", True),
        ("aws_session_token", "secrets.toml [sources.aws-prod]", False),
        ("AWS_ACCESS_KEY_ID", "environment", False), ("AWS_SECRET_ACCESS_KEY", "environment", False),
        ("AWS_PROFILE", "environment", True)]
    assert "s3cr3t" not in repr(status) and "AKIAEXAMPLE" not in repr(status) and "billing" not in repr(status)


def test_a_folder_is_tested_without_loading_it(store, tmp_path):
    probe = ss.probe(store, ADMIN, Source("drop", "any", "folder", {"path": drop_folder(tmp_path)}), "2023-06")
    assert probe.ok, probe.problems
    assert probe.lines[0].startswith("2023-06: 3 rows from billing account")
    assert "NOK: kr 30.00 billed" in probe.lines and probe.lines[-1].endswith("nothing was loaded")
    with state(store) as db:
        assert db.execute("select count(*) from lake_files").fetchone()[0] == 0
    missing = ss.probe(store, ADMIN, Source("drop", "any", "folder", {"path": str(tmp_path / "nowhere")}), "2023-06")
    assert not missing.ok and "nowhere" in missing.problems[0].reason


def test_s3_and_cost_explorer_are_tested_with_moto(store, aws_env):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="billing")
    s3.put_object(Bucket="billing", Key="cur2/data/BILLING_PERIOD=2023-06/part-0.csv", Body=AWS.read_bytes())
    probe = ss.probe(store, ADMIN, Source("cur", "aws", "s3-export", {"bucket": "billing", "prefix": "cur2/"}),
                     "2023-06")
    assert probe.ok and "NOK: kr 30.00 billed" in probe.lines, probe
    wrong = ss.probe(store, ADMIN, Source("cur", "aws", "s3-export", {"bucket": "no-such-bucket"}), "2023-06")
    assert not wrong.ok and "NoSuchBucket" in wrong.problems[0].reason
    queue_ce({"ResultsByTime": [day(1, [ce_group("111111111111", "Amazon EC2", "3.5", "3.0")])]})
    ce = ss.probe(store, ADMIN, Source("ce", "aws", "cost-explorer", {"billing_account_id": "999999999999"}), "2026-06")
    assert ce.ok, ce.problems
    assert ce.lines[:2] == ("2026-06: 1 rows from billing account 999999999999", "USD: $3.50 billed")


def test_azure_query_is_tested_against_a_local_server(store, httpserver, tmp_path, monkeypatch):
    path = tmp_path / "secrets.toml"
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(path))
    src = azure_source(httpserver, path)
    rows = [[10.5, 20260601, "sub-1", "Virtual Machines", "USD"]]
    httpserver.expect_request(AZ_PATH, method="POST").respond_with_json(
        {"properties": {"nextLink": None, "columns": AZ_COLUMNS, "rows": rows}})
    probe = ss.probe(store, ADMIN, Source(src["name"], "azure", src["kind"], src["params"]), "2026-06")
    assert probe.ok and "USD: $10.50 billed" in probe.lines, probe
    assert [s.set for s in ss.secret_status(Source(src["name"], "azure", src["kind"])) if s.name == "access_token"] == [True]


def test_azure_exports_in_a_storage_account_are_tested(store, httpserver, tmp_path, monkeypatch):
    path = tmp_path / "secrets.toml"
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(path))
    box = BlobContainer(httpserver)
    run(box, "actual", "ActualCost", "run-a", "2023-10-02T06:10:00Z", {"part_0_0001.csv.gz": gzip.compress(ACTUAL.read_bytes())})
    run(box, "amortized", "AmortizedCost", "run-b", "2023-10-02T06:00:00Z", {"part_0_0001.csv": AMORTIZED.read_bytes()})
    path.write_text(f'[sources.azure-blob]\nconnection_string = "{box.key_connection_string()}"\n')
    src = Source("azure-blob", "azure", "azure-export-blob", {"container": "exports", "prefix": "costbook/"})
    probe = ss.probe(store, ADMIN, src, "2023-09")
    assert probe.ok and probe.lines[0].startswith("2023-09: "), probe
    assert ("connection_string", True) in [(s.name, s.set) for s in ss.secret_status(src)]


def test_the_page_adds_tests_and_saves_a_folder_source(store, tmp_path, monkeypatch):
    monkeypatch.setenv("COSTBOOK_DATA_DIR", str(store.data_dir))
    at = AppTest.from_string("""
import streamlit as st
from lib.core import access
st.session_state["user"] = access.User("ada", "admin", name="Ada")
st.session_state["filters"] = None
exec(compile(open("pages/data_sources.py").read(), "pages/data_sources.py", "exec"))
""", default_timeout=60).run()
    assert not at.exception
    at.selectbox(key="src_New source…_kind").set_value("folder").run()
    at.text_input(key="src_New source…_name").input("drop").run()
    at.text_input(key="src_New source…_folder_path").input(drop_folder(tmp_path)).run()
    assert [c.value for c in at.caption if "reads no secrets" in c.value]
    at.button(key="src_New source…_save").click().run()
    assert not at.exception and [s.value for s in at.success] == ["Saved drop in settings.yaml."]
    assert [(s.name, s.kind) for s in refresh.load_sources(store)[0]] == [("drop", "folder")]
    assert list(at.dataframe[0].value.Source) == ["drop"]


def test_an_opencost_source_is_tested_against_a_local_server(store, httpserver):
    from tests.sources.test_usage_refresh import month_answer

    assert "opencost" in ss.KINDS and "url" in [p.name for p in ss.KINDS["opencost"].params if p.required]
    seen = []
    httpserver.expect_request("/allocation").respond_with_handler(month_answer(seen))
    src = Source("k8s-prod", "kubernetes", "opencost", {"url": httpserver.url_for("/")})
    probe = ss.probe(store, ADMIN, src, "2026-06")
    assert probe.ok, probe.problems
    assert probe.lines[0] == "2026-06: 3 usage rows of cluster shared-prod: 2 namespaces over 2 days"
    assert probe.lines[-1].endswith("nothing was loaded") and len(seen) == 1
    with state(store) as db:
        assert db.execute("select count(*) from usage_files").fetchone()[0] == 0
