"""Each health check against a real store made to fail the way it watches for."""

import sqlite3
from datetime import UTC, datetime, time, timedelta

import pytest

from lib.alerts import health, health_sources, incidents, jobs
from lib.alerts.health_books import cache_check
from lib.alerts.health_check import FAIL, OK, WARN
from lib.config import versions
from lib.core import access
from lib.month_end import close
from lib.month_end.statements import prepare
from lib.store import audit
from lib.store.lake import engine, new_duck
from lib.store.state import state
from tests import statement_helpers as h
from tests.alerts.health_helpers import LAST_DAY, MONTH, checks, configure, refresh_failing, refresh_ok
from tests.bill import charge
from tests.conftest import RULES, load_bill
from tests.month_end.test_close import company  # noqa: F401 (fixture: the statement tests' company)

NOW = datetime.now(UTC)


def setting(store, key: str, value) -> None:
    with state(store, write=True) as db:
        db.execute("insert or replace into settings (key, value) values (?, ?)", (key, str(value)))


@pytest.fixture
def source(configured, tmp_path):
    folder = configure(configured, tmp_path)
    refresh_ok(configured)
    return configured, folder


def test_a_fresh_source_with_recent_data_passes(source):
    store, _ = source
    found = checks(store)
    assert found["refresh:exports"].status == OK and "(target 36 h): 2 rows in " in found["refresh:exports"].reason
    assert found["data:exports"].reason == f"charges through {LAST_DAY} (1 day ago; target 3 days)"


def test_a_failed_run_warns_and_two_in_a_row_fail_naming_the_run(source):
    store, folder = source
    first = refresh_failing(store, folder)
    check = checks(store)["refresh:exports"]
    assert (check.status, check.run_id) == (WARN, first.run_id)
    assert check.reason.startswith("the last run failed: exports, column path: folder ")
    assert "does not exist; the data of 0 min ago is still served" in check.reason
    second = refresh_failing(store, folder)
    check = checks(store)["refresh:exports"]
    assert (check.status, check.run_id) == (FAIL, second.run_id)
    assert check.reason.startswith("the last 2 runs failed")


def test_an_old_run_is_stale_past_the_sources_target(configured, tmp_path):
    configure(configured, tmp_path, freshness_hours=12)
    refresh_ok(configured)
    assert checks(configured, NOW + timedelta(hours=11))["refresh:exports"].status == OK
    stale = checks(configured, NOW + timedelta(hours=13))["refresh:exports"]
    assert stale.status == FAIL and stale.reason == "stale: last successful refresh 13 h ago (target 12 h)"
    setting(configured, "health.freshness_hours.exports", 24)  # the settings table wins over settings.yaml
    assert checks(configured, NOW + timedelta(hours=13))["refresh:exports"].status == OK


def test_a_source_never_refreshed_and_a_watched_file_import(configured, tmp_path):
    configure(configured, tmp_path)
    found = checks(configured)
    assert found["refresh:exports"].status == WARN and found["refresh:exports"].reason.startswith("never refreshed")
    assert found["data:exports"] == found["data:exports"].__class__("data:exports", WARN,
                                                                     "no charges from this source yet")
    load_bill(configured, tmp_path, [charge("web", "Amazon EC2", 5)])  # a file import (source 'focus'): not watched
    assert not any(name.endswith(":focus") for name in checks(configured))
    setting(configured, "health.freshness_hours.focus", 36)
    assert checks(configured)["refresh:focus"].status == OK


def test_data_through_a_day_too_long_ago_fails(source):
    store, _ = source
    on = datetime.combine(LAST_DAY + timedelta(days=3), time(9), UTC)
    assert checks(store, on)["data:exports"].reason == f"charges through {LAST_DAY} (3 days ago; target 3 days)"
    late = checks(store, on + timedelta(days=1))["data:exports"]
    assert late.status == FAIL and late.reason.startswith(f"charges through {LAST_DAY} (4 days ago")
    setting(store, "health.data_lag_days.exports", 7)
    assert checks(store, on + timedelta(days=1))["data:exports"].status == OK


def test_a_missing_scheduled_run_trips_the_dead_mans_switch(source):
    store, _ = source
    assert checks(store)["job:alerts-check"].status == WARN  # never ran: the crontab was never installed
    jobs.finish(store, jobs.start(store, "alerts-check"), "ok", "0 alert(s) due")
    assert checks(store, NOW + timedelta(minutes=50))["job:alerts-check"].status == OK
    assert checks(store, NOW + timedelta(minutes=70))["job:alerts-check"].reason.startswith("missed a run")
    missed = checks(store, NOW + timedelta(hours=2, minutes=10))["job:alerts-check"]
    assert missed.status == FAIL and missed.reason.startswith("missed 2 runs: last run 2.2 h ago, expected every 1 h")
    assert checks(store, NOW + timedelta(hours=47))["job:refresh"].reason.startswith("missed a run")
    assert checks(store, NOW + timedelta(hours=51))["job:refresh"].status == FAIL  # 2.4 h of grace
    setting(store, "health.schedule_hours.refresh", 168)  # a weekly refresh
    assert checks(store, NOW + timedelta(hours=51))["job:refresh"].status == OK


def test_a_tampered_audit_row_fails(configured):
    assert checks(configured)["audit"].status == OK
    db = sqlite3.connect(configured.state_path, isolation_level=None)
    db.execute("drop trigger audit_log_no_update")
    db.execute("update audit_log set target = 'version 99' where id = 2")
    db.close()
    check = checks(configured)["audit"]
    assert check.status == FAIL and check.reason == (
        "the audit trail does not verify: entry 2: content was changed after it was written")
    assert check.reason.split(": ", 1)[1] == audit.verify(configured)[0]


def test_the_allocation_cache_of_an_open_period(source):
    store, _ = source
    assert checks(store)["allocation"].status == OK  # just refreshed: allocated by the next view or alerts check
    assert checks(store)["allocation"].reason == "current for all 1 open period(s)"  # the first run allocated it
    assert versions.save_rules(store, RULES.replace("60, search: 40", "50, search: 50"), access.CLI, "50/50")[1] == []
    con = engine(store, new_duck())
    soon = cache_check(store, con, NOW + timedelta(minutes=30))[0]
    assert soon.status == OK and soon.reason.startswith(f"not allocated for the current data and rules: {MONTH}")
    assert cache_check(store, con, NOW + timedelta(hours=3))[0].status == WARN


def test_disk_space_below_the_threshold_fails(configured):
    assert checks(configured)["disk"].status == OK
    setting(configured, "health.disk_free_fail_pct", 100)
    check = checks(configured)["disk"]
    assert check.status == FAIL and check.reason.endswith("; below 100%")


def test_a_restated_closed_month_fails_until_the_next_month_closes(company, tmp_path):  # noqa: F811
    store, con = company
    assert checks(store)["reconcile:2026-10"].status == OK  # the newest open period
    assert close.close_month(store, con, access.CLI, "2026-10")[1] == []
    found = checks(store)
    assert found["reconcile:2026-10"].reason == "closed period still matches its close (issue 1)"
    november = [h.charge("2026-11", 2, "AWS", "acme-payer", "USD", "Amazon EC2", "Compute", "111111111111",
                         "shop-prod", "10.00", team="web", invoice="INV-AWS-2611")]
    h.load_bill(store, con, tmp_path, h.october(web="150.004")[:4] + november, "restated.csv")
    found = checks(store)
    assert found["reconcile:2026-11"].status == OK
    restated = found["reconcile:2026-10"]
    assert restated.status == FAIL and restated.reason == (
        "restated by the provider after its close: AWS / acme-payer / USD +$30.00; charged on 2026-11's statements")
    assert close.close_month(store, prepare(store, con), access.CLI, "2026-11")[1] == []  # with the adjustment
    assert "reconcile:2026-10" not in checks(store)


def test_an_open_month_that_stops_reconciling_fails(company, tmp_path):  # noqa: F811
    store, con = company
    assert checks(store)["reconcile:2026-10"].status == OK
    rows = h.october()
    rows[0]["InvoiceId"] = ""  # the provider's new file leaves one charge off the invoice
    h.load_bill(store, con, tmp_path, rows, "reissued.csv")
    check = checks(store)["reconcile:2026-10"]
    assert check.status == FAIL and check.reason.startswith("stopped reconciling (it passed on ")
    assert "billed cost not on an invoice (InvoiceId sum vs ingested): difference $120.00" in check.reason


def test_an_open_month_that_never_reconciled_only_warns(store, con, tmp_path):
    h.setup_company(store, con, tmp_path)
    rows = h.october()
    rows[0]["InvoiceId"] = ""
    h.load_bill(store, con, tmp_path, rows, "reissued.csv")
    assert checks(store)["reconcile:2026-10"].status == WARN


def test_a_family_that_raises_is_one_failing_check_and_the_others_run(source):
    store, _ = source
    setting(store, "health.freshness_hours.exports", "soon")  # typed by hand into the settings table
    found = checks(store)
    assert found["refresh"].status == FAIL
    assert found["refresh"].reason == "the check could not run: ValueError: could not convert string to float: 'soon'"
    assert {"data", "audit", "disk", "job:refresh", f"reconcile:{MONTH}"} <= set(found)


@pytest.mark.parametrize("role", ["finance", "department_head", "viewer"])
def test_only_admins_may_read_the_health_of_the_pipeline(configured, role):
    someone = access.User("x", role, frozenset({"engineering"}))
    for read in (lambda: health.run(configured, None, someone), lambda: incidents.open_incidents(configured, someone),
                 lambda: health_sources.trends(configured, someone, NOW),
                 lambda: health_sources.failed_runs(configured, someone, [1])):
        with pytest.raises(access.PermissionDenied):
            read()
    admin = access.User("ada", "admin")
    assert incidents.open_incidents(configured, admin) == [] and health_sources.trends(configured, admin, NOW).empty
