"""Health alerts through `alerts check`: to the admins by e-mail and webhook, once per incident, then resolved."""

import json
import sqlite3

from lib.alerts import check, incidents
from lib.core import access
from lib.people import users
from lib.store.lake import engine, new_duck
from tests.access_helpers import PASSWORD
from tests.alerts.health_helpers import configure, refresh_failing, refresh_ok
from tests.alerts.test_alerts import hook, smtp  # noqa: F401 (fixtures: a local SMTP server, a webhook receiver)


def admins(store) -> None:
    for name, role, disabled in (("ada", "admin", False), ("ali", "admin", True), ("fin", "finance", False)):
        assert users.save_user(store, access.CLI, name, role, [], name.title(), f"{name}@example.com", PASSWORD) == []
        if disabled:
            assert users.set_disabled(store, access.CLI, name, True) == []


def run(store):
    return check.check(store, engine(store, new_duck()))


def test_a_failing_source_is_told_once_and_its_resolution_once(configured, tmp_path, smtp, hook):  # noqa: F811
    hook.expect_request("/hook", method="POST").respond_with_data("ok")
    admins(configured)
    folder = configure(configured, tmp_path)
    refresh_ok(configured)
    refresh_failing(configured, folder)
    assert (run(configured).alerts, smtp.messages) == (0, [])  # one failure is a warning: not mailed
    refresh_failing(configured, folder)

    first = run(configured)
    assert (first.alerts, first.sent, first.failed) == (1, 2, 0)
    [(to, mail)] = smtp.messages
    assert to == ("ada@example.com",)  # the enabled admin only
    assert "Subject: [Costbook] Health check failing: refresh:exports" in mail
    assert "refresh:exports: the last 2 runs failed: exports, column path: folder " in mail
    [payload] = [json.loads(req.data) for req, _ in hook.log]
    assert payload["summary"] == "Health check failing: refresh:exports"

    again = run(configured)  # the next hourly run: still failing, already told
    assert (again.sent, again.skipped) == (0, 2) and len(smtp.messages) == 1

    configure(configured, tmp_path)  # the export folder is back
    refresh_ok(configured)
    fixed = run(configured)
    assert (fixed.alerts, fixed.sent) == (1, 2)
    resolved = smtp.messages[1][1]
    assert "Subject: [Costbook] Resolved: refresh:exports" in resolved
    assert "refresh:exports passes again: refreshed 0 min ago (target 36 h): 2 rows in " in resolved
    assert incidents.open_incidents(configured, access.CLI) == []
    assert (run(configured).sent, len(smtp.messages), len(hook.log)) == (0, 2, 2)
    log = check.alert_log(configured, access.CLI, kind="health-alert")
    assert sorted(log.subject) == ["[Costbook] Health check failing: refresh:exports"] * 2 + [
        "[Costbook] Resolved: refresh:exports"] * 2


def test_a_new_incident_after_a_resolution_is_told_again(configured, tmp_path, smtp):  # noqa: F811
    admins(configured)
    folder = configure(configured, tmp_path)
    for _ in range(2):
        refresh_ok(configured)
        refresh_failing(configured, folder)
        refresh_failing(configured, folder)
        run(configured)
        folder = configure(configured, tmp_path)
        refresh_ok(configured)
        run(configured)
    subjects = [m.split("Subject: ", 1)[1].splitlines()[0] for _, m in smtp.messages]
    assert subjects == ["[Costbook] Health check failing: refresh:exports", "[Costbook] Resolved: refresh:exports"] * 2


def test_a_tampered_audit_trail_is_told_to_the_admins(configured, smtp):  # noqa: F811
    admins(configured)
    assert run(configured).alerts == 0
    db = sqlite3.connect(configured.state_path, isolation_level=None)
    db.execute("drop trigger audit_log_no_delete")
    db.execute("delete from audit_log where id = 2")
    db.close()
    assert run(configured).sent == 1
    [(to, mail)] = smtp.messages
    assert to == ("ada@example.com",) and "Subject: [Costbook] Health check failing: audit" in mail
    assert "audit: the audit trail does not verify: entries 2..2 are missing (deleted)" in mail
