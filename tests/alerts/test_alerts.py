"""Budget alerts delivered to a real local SMTP server and a local HTTP receiver.

The bill: web spends 100 a day and search 50 a day from 1 October 2026; "now" is the
morning after the last billed day. web's October budget is 2,400.
"""

import json
import socket
from datetime import datetime, timezone

import pytest
from aiosmtpd.controller import Controller

from lib.alerts import check
from lib.budgets import budget
from lib.cli.main import main
from lib.core import access
from lib.notify import channels
from lib.store.lake import engine, new_duck
from lib.store.state import state
from tests.bill import charge
from tests.conftest import load_bill

FINANCE = access.User("fiona", "finance")
BUDGETS = "team,month,amount,currency\nweb,2026-10,2400,USD\nsearch,2026-10,5000,USD\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((tuple(envelope.rcpt_tos), envelope.content.decode()))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch, tmp_path):
    inbox, port = Inbox(), free_port()
    inbox.port = port
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    monkeypatch.setenv("COSTBOOK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COSTBOOK_SMTP_PORT", str(port))
    monkeypatch.setenv("COSTBOOK_SMTP_FROM", "costbook@example.com")
    monkeypatch.setenv("COSTBOOK_MAIL_DOMAIN", "example.com")
    yield inbox
    controller.stop()


@pytest.fixture
def hook(httpserver, monkeypatch):
    monkeypatch.setenv("COSTBOOK_WEBHOOKS", f"ops={httpserver.url_for('/hook')}")
    return httpserver


def bill(store, tmp_path, days: int):
    rows = [charge(team, "Amazon EC2", cost, day=f"2026-10-{d:02d}")
            for d in range(1, days + 1) for team, cost in (("web", 100), ("search", 50))]
    load_bill(store, tmp_path, rows)
    return engine(store, new_duck())


def now(day: int) -> datetime:
    return datetime(2026, 10, day, 8, tzinfo=timezone.utc)


def log(store):
    with state(store) as db:
        return [tuple(r) for r in db.execute(
            "select key, channel, recipient, status, attempts from deliveries order by key, channel, recipient")]


def test_sent_once_to_owners_heads_and_webhook(configured, tmp_path, smtp, hook):
    hook.expect_request("/hook", method="POST").respond_with_data("ok")
    con = bill(configured, tmp_path, 20)
    budget.load_budgets_csv(configured, BUDGETS, FINANCE)
    first = check.check(configured, con, now(21))
    assert (first.alerts, first.sent, first.failed, first.skipped) == (2, 6, 0, 0)
    keys = {"budget:team:web:2026-10:USD:effective:actual:80", "budget:team:web:2026-10:USD:effective:forecast:100"}
    assert {k for k, *_ in log(configured)} == keys
    assert sorted(r for r, _ in smtp.messages) == [("dana@example.com",)] * 2 + [("wes@example.com",)] * 2
    mail = next(m for _, m in smtp.messages if "83.3% of the 2026-10 budget spent" in m)
    assert "Spent so far: $2,000.00 (83.3%, to 2026-10-20)" in mail and "Budget: $2,400.00" in mail
    payloads = [json.loads(req.data) for req, _ in hook.log]
    assert {p["summary"] for p in payloads} == {"web: 83.3% of the 2026-10 budget spent",
                                                "web: forecast 129.2% of the 2026-10 budget"}
    assert all(p["@type"] == "MessageCard" and p["text"].startswith("*web:") for p in payloads)
    again = check.check(configured, con, now(21))  # the next hourly run: nothing new
    assert (again.sent, again.failed, again.skipped) == (0, 0, 6)
    assert len(smtp.messages) == 4 and len(hook.log) == 2


def test_a_higher_threshold_is_a_new_alert(configured, tmp_path, smtp):
    budget.load_budgets_csv(configured, BUDGETS, FINANCE)
    check.check(configured, bill(configured, tmp_path, 20), now(21))
    later = check.check(configured, bill(configured, tmp_path, 25), now(26))  # 2,500 of 2,400 spent
    assert (later.alerts, later.sent) == (1, 2)  # the 100% alert; the forecast alert was told already
    assert "budget:team:web:2026-10:USD:effective:actual:100" in {k for k, *_ in log(configured)}
    assert sum("Over budget since 2026-10-25" in m for _, m in smtp.messages) == 2


def test_smtp_failure_is_recorded_and_retried_next_run(configured, tmp_path, smtp, monkeypatch):
    budget.load_budgets_csv(configured, BUDGETS, FINANCE)
    con = bill(configured, tmp_path, 20)
    monkeypatch.setenv("COSTBOOK_SMTP_PORT", str(free_port()))  # nothing listens there
    down = check.check(configured, con, now(21))
    assert (down.sent, down.failed) == (0, 4)
    with state(configured) as db:
        errors = [r[0] for r in db.execute("select last_error from deliveries where status = 'failed'")]
    assert len(errors) == 4 and all(e.startswith("ConnectionRefusedError") for e in errors)
    monkeypatch.setenv("COSTBOOK_SMTP_PORT", str(smtp.port))
    up = check.check(configured, con, now(21))
    assert (up.sent, up.failed) == (4, 0)
    assert {(status, attempts) for *_, status, attempts in log(configured)} == {("sent", 2)}
    assert len(smtp.messages) == 4


def test_webhook_failure_is_retried_and_never_blocks_email(configured, tmp_path, smtp, hook):
    budget.load_budgets_csv(configured, BUDGETS, FINANCE)
    con = bill(configured, tmp_path, 20)
    hook.expect_oneshot_request("/hook").respond_with_data("down", status=503)
    hook.expect_oneshot_request("/hook").respond_with_data("down", status=503)
    first = check.check(configured, con, now(21))
    assert (first.sent, first.failed) == (4, 2)  # the e-mails went out anyway
    hook.expect_request("/hook").respond_with_data("ok")
    second = check.check(configured, con, now(21))
    assert (second.sent, second.failed, second.skipped) == (2, 0, 4)
    assert [r for r in log(configured) if r[1] == "webhook"] == [
        ("budget:team:web:2026-10:USD:effective:actual:80", "webhook", "webhook:ops", "sent", 2),
        ("budget:team:web:2026-10:USD:effective:forecast:100", "webhook", "webhook:ops", "sent", 2)]


def test_a_failed_alert_is_resent_even_when_no_longer_due(configured, tmp_path, smtp, monkeypatch):
    budget.load_budgets_csv(configured, BUDGETS, FINANCE)
    con = bill(configured, tmp_path, 20)
    monkeypatch.setenv("COSTBOOK_SMTP_PORT", str(free_port()))
    assert check.check(configured, con, now(21)).failed == 4
    budget.load_budgets_csv(configured, "team,month,amount,currency\nweb,2026-10,100000,USD\n", FINANCE)
    monkeypatch.setenv("COSTBOOK_SMTP_PORT", str(smtp.port))
    result = check.check(configured, con, now(21))
    assert (result.alerts, result.sent) == (0, 4)  # nothing is due any more, but nothing is lost
    assert len(smtp.messages) == 4


def test_deliver_once_contract(store):
    calls = []
    assert channels.deliver_once(store, "k", "email", "a@x", lambda: calls.append(1), "test") == "sent"
    assert channels.deliver_once(store, "k", "email", "a@x", lambda: calls.append(2), "test") == "skipped"
    assert channels.deliver_once(store, "k", "email", "b@x", lambda: calls.append(3), "test") == "sent"
    assert calls == [1, 3]


def test_alert_log_is_scoped(configured, tmp_path, smtp):
    budget.load_budgets_csv(configured, BUDGETS, FINANCE)
    check.check(configured, bill(configured, tmp_path, 20), now(21))
    dana = access.User("dana", "department_head", frozenset({"engineering"}))
    dora = access.User("dora", "department_head", frozenset({"data"}))
    assert len(check.alert_log(configured, FINANCE)) == 4
    assert set(check.alert_log(configured, dana)["recipient"]) == {"dana@example.com", "wes@example.com"}
    assert check.alert_log(configured, dora).empty


def test_cli_load_dump_and_check(configured, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(tmp_path / "none.toml"))
    path = tmp_path / "b.csv"
    path.write_text(BUDGETS)
    data = ["--data-dir", str(configured.data_dir)]
    assert main(data + ["budgets", "load", str(path)]) == 0
    assert main(data + ["budgets", "dump"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1:] == ["team,search,2026-10,5000,USD,50|80|100,100", "team,web,2026-10,2400,USD,50|80|100,100"]
    path.write_text("team,month,amount,currency\nweb,2026-10,-1,USD\n")
    assert main(data + ["budgets", "load", str(path)]) == 2
    assert "b.csv, row 2, column amount: must not be negative: -1" in capsys.readouterr().err
    assert main(data + ["alerts", "check"]) == 0  # today is outside October 2026's budgets: nothing due
    assert "0 alert(s) due" in capsys.readouterr().err
