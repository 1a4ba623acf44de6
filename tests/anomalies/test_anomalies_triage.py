"""Through the real store: bill imported, allocated by the rules, anomalies found, triaged, listed, alerted."""

import csv
import io
import socket
import threading
from datetime import datetime, timedelta, timezone

import pytest
from aiosmtpd.controller import Controller

from lib.alerts import check
from lib.anomalies import detect, triage
from lib.cli import main
from lib.core import access
from lib.store import audit
from lib.store.lake import engine, new_duck
from lib.store.state import open_store
from tests.anomalies_helpers import BILL_START as START
from tests.anomalies_helpers import copy_of_daily_bill

FINANCE = access.User("fiona", "finance")
VIEWER = access.User("val", "viewer", frozenset({"engineering"}))


@pytest.fixture
def bill(tmp_path_factory, tmp_path):
    return copy_of_daily_bill(tmp_path_factory, tmp_path)


def find(store, user=access.CLI, since=None):
    return detect.find(store, engine(store, new_duck()), user, since=since)


def test_anomalies_of_the_bill(bill):
    found = find(bill)
    assert [(a.team, a.start) for a in found] == [("web", START + timedelta(days=80)),
                                                  ("web", START + timedelta(days=94)),
                                                  ("search", START + timedelta(days=105))]
    assert all(a.state == "new" for a in found)
    assert [a.team for a in find(bill, VIEWER)] == ["web", "web", "search"]
    assert find(bill, access.User("dora", "department_head", frozenset({"data"}))) == []


def test_triage_survives_a_restart_and_is_audited(bill):
    first = find(bill)[0]
    assert triage.set_state(bill, FINANCE, first, "acknowledged", "looking into it") == []
    again = open_store(bill.data_dir)  # a new process would open the store like this
    states = {a.key: (a.state, a.comment) for a in find(again)}
    assert states[first.key] == ("acknowledged", "looking into it")
    assert sum(1 for s, _ in states.values() if s == "new") == 2
    assert audit.verify(again) == []
    from lib.store.state import state
    with state(again) as db:
        row = db.execute("select actor, action, target, details from audit_log where action = 'anomaly.triage'").fetchone()
    assert (row["actor"], row["target"]) == ("fiona", first.key) and "acknowledged" in row["details"]


def test_expected_covers_the_same_cause_later(bill):
    web = [a for a in find(bill) if a.team == "web"]
    assert triage.set_state(bill, FINANCE, web[1], "expected", "") == ["comment: say why this cost is expected"]
    assert triage.set_state(bill, FINANCE, web[1], "snoozed", "x")[0].startswith("state:")
    assert triage.set_state(bill, FINANCE, web[0], "expected", "monthly load test") == []
    later = {a.key: a for a in find(bill)}
    assert later[web[0].key].state == "expected"
    assert later[web[1].key].state == "expected" and web[0].key in later[web[1].key].comment
    assert {a.state for a in later.values() if a.team == "search"} == {"new"}


def test_triage_needs_permission_and_scope(bill):
    a = find(bill)[0]
    with pytest.raises(access.PermissionDenied):
        triage.set_state(bill, VIEWER, a, "acknowledged", "")
    with pytest.raises(access.PermissionDenied):
        triage.set_state(bill, access.User("dora", "department_head", frozenset({"data"})), a, "resolved", "")


def test_cli_prints_csv_most_severe_first(bill, capsys):
    assert main.main(["--data-dir", str(bill.data_dir), "anomalies", "--since", str(START + timedelta(days=90))]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["date"], r["team"], r["service_name"]) for r in rows] == [
        (str(START + timedelta(days=94)), "web", "Amazon EC2"), (str(START + timedelta(days=105)), "search", "Amazon S3")]
    assert float(rows[0]["impact"]) == pytest.approx(2500, abs=150)
    assert float(rows[0]["actual"]) - float(rows[0]["expected"]) == pytest.approx(float(rows[0]["impact"]), abs=0.01)
    assert main.main(["--data-dir", str(bill.data_dir), "anomalies", "--since", "last week"]) == 2


class Inbox:
    def __init__(self):
        self.messages, self.lock = [], threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        with self.lock:
            self.messages.append((tuple(envelope.rcpt_tos), envelope.content.decode()))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    monkeypatch.setenv("COSTBOOK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COSTBOOK_SMTP_PORT", str(port))
    monkeypatch.setenv("COSTBOOK_MAIL_DOMAIN", "example.com")
    monkeypatch.delenv("COSTBOOK_WEBHOOKS", raising=False)
    yield inbox
    server.stop()


def test_alerts_go_out_once_to_owners_and_heads(bill, smtp):
    now = datetime.combine(START + timedelta(days=110), datetime.min.time(), timezone.utc)
    con = engine(bill, new_duck())
    first = check.check(bill, con, now)
    assert first.errors == ()
    mails = [(to, body) for to, body in smtp.messages if "unexpected cost" in body]
    assert sorted(to for to, _ in mails) == [("dana@example.com",), ("sam@example.com",)]  # search's spike only
    assert "search" in mails[0][1] and "Amazon S3" in mails[0][1]
    again = check.check(bill, con, now)
    assert again.sent == 0
    assert [m for m in smtp.messages if "unexpected cost" in m[1]] == mails


def test_triaged_anomalies_do_not_alert(bill, smtp):
    now = datetime.combine(START + timedelta(days=110), datetime.min.time(), timezone.utc)
    search = [a for a in find(bill) if a.team == "search"][0]
    assert triage.set_state(bill, FINANCE, search, "acknowledged", "known") == []
    check.check(bill, engine(bill, new_duck()), now)
    assert not [m for m in smtp.messages if "unexpected cost" in m[1]]


def test_alert_impact_and_thresholds_come_from_settings(bill, smtp):
    from lib.store.state import state

    with state(bill, write=True) as db:
        db.execute("insert into settings (key, value) values ('anomaly.alert_min_impact', '5000')")
    check.check(bill, engine(bill, new_duck()), datetime.combine(START + timedelta(days=110), datetime.min.time(),
                                                                  timezone.utc))
    assert not [m for m in smtp.messages if "unexpected cost" in m[1]]
    with state(bill, write=True) as db:
        db.execute("insert into settings (key, value) values ('anomaly.min_impact', '2600')")
    assert [a.start for a in find(bill)] == [START + timedelta(days=80)]  # only the 3000 spike is left
