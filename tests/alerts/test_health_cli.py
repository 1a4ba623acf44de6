"""`python -m lib health` as cron and a monitor run it: exit codes, JSON, the Prometheus file, an absent key."""

import json
import re
from datetime import UTC, datetime, time

import pytest

from lib.cli.main import main
from lib.store.state import open_store
from tests.alerts.health_helpers import LAST_DAY, MONTH, configure, refresh_failing, refresh_ok
from tests.bill import charge
from tests.conftest import load_bill

KEY = "k" * 8 + "-health-data-key-0123456789abcdef"


@pytest.fixture(autouse=True)
def no_secrets(monkeypatch, tmp_path):
    monkeypatch.delenv("COSTBOOK_DATA_KEY", raising=False)
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(tmp_path / "absent.toml"))


def health(capsys, store, *argv) -> tuple[int, str]:
    code = main(["--data-dir", str(store.data_dir), "health", *argv])
    return code, capsys.readouterr().out


def test_exit_codes_follow_the_worst_check(configured, tmp_path, capsys):
    folder = configure(configured, tmp_path)
    refresh_ok(configured)
    assert main(["--data-dir", str(configured.data_dir), "alerts", "check"]) == 0
    code, out = health(capsys, configured)
    assert code == 0, out
    assert out.splitlines()[-1] == "health: ok (0 failing, 0 warning, 9 ok)"
    assert re.search(r"^OK +refresh:exports +refreshed 0 min ago \(target 36 h\): 2 rows in ", out, re.M)
    refresh_failing(configured, folder)
    code, out = health(capsys, configured)
    assert code == 1 and re.match(r"WARN +refresh:exports +the last run failed: ", out)
    refresh_failing(configured, folder)
    code, out = health(capsys, configured)
    assert code == 2 and re.match(r"FAIL +refresh:exports +the last 2 runs failed: ", out)


def test_json_names_every_check_and_the_failing_run(configured, tmp_path, capsys):
    folder = configure(configured, tmp_path)
    refresh_ok(configured)
    refresh_failing(configured, folder)
    failed = refresh_failing(configured, folder)
    code, out = health(capsys, configured, "--format", "json")
    doc = json.loads(out)
    assert code == doc["exit_code"] == 2 and doc["status"] == "fail"
    by_name = {c["name"]: c for c in doc["checks"]}
    assert by_name["refresh:exports"]["status"] == "fail" and by_name["refresh:exports"]["run"] == failed.run_id
    assert by_name["job:alerts-check"]["status"] == "warn"
    assert {"data-key", "disk", "audit", "data:exports", "job:refresh", "allocation", f"reconcile:{MONTH}"} <= set(by_name)
    [source] = doc["sources"]
    assert (source["source"], source["failures"], source["last_rows"], source["data_through"]) == (
        "exports", 2, 0, str(LAST_DAY))


def test_prometheus_file_is_written_atomically_in_the_text_format(configured, tmp_path, capsys):
    configure(configured, tmp_path)
    refresh_ok(configured)
    out = tmp_path / "textfile" / "costbook.prom"
    out.parent.mkdir()
    out.write_text("old contents")
    code, _ = health(capsys, configured, "--prometheus", str(out))
    text = out.read_text()
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind
    assert text.startswith("# HELP costbook_health_status ")
    assert f"costbook_health_status {code}\n" in text
    assert 'costbook_health_check_status{check="refresh:exports"} 0\n' in text
    assert 'costbook_source_last_run_rows{source="exports"} 2\n' in text
    assert 'costbook_source_failures{source="exports"} 0\n' in text
    assert re.search(r'^costbook_source_last_success_timestamp_seconds\{source="exports"\} \d{10}$', text, re.M)
    midnight = int(datetime.combine(LAST_DAY, time(), UTC).timestamp())
    assert f'costbook_source_data_through_timestamp_seconds{{source="exports"}} {midnight}\n' in text
    for block in text.strip().split("# HELP ")[1:]:  # every metric: HELP, TYPE gauge, then samples of that name
        lines = block.splitlines()
        name = lines[0].split(" ")[0]
        assert lines[1] == f"# TYPE {name} gauge" and all(s.startswith(name) for s in lines[2:]), block


def test_an_absent_data_key_fails_without_opening_the_store(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COSTBOOK_DATA_KEY", KEY)
    store = open_store(tmp_path / "data")
    load_bill(store, tmp_path, [charge("web", "Amazon EC2", 10)])
    code, out = health(capsys, store, "--format", "json")
    assert {c["name"]: c["reason"] for c in json.loads(out)["checks"]}["data-key"] == (
        "the store is encrypted and the configured data key opens it")
    monkeypatch.delenv("COSTBOOK_DATA_KEY")
    code, out = health(capsys, store, "--format", "json")
    doc = json.loads(out)
    assert code == 2 and [(c["name"], c["status"]) for c in doc["checks"]] == [("data-key", "fail"), ("disk", "ok")]
    assert doc["checks"][0]["reason"].startswith("state.db is encrypted: set COSTBOOK_DATA_KEY")
    monkeypatch.setenv("COSTBOOK_DATA_KEY", KEY.replace("k", "w"))
    code, out = health(capsys, store)
    assert code == 2 and "state.db cannot be decrypted with the configured data key" in out
    assert main(["--data-dir", str(store.data_dir), "sources"]) == 2  # other verbs still refuse, as before
