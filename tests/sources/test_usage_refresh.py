"""Refresh kind `opencost` against a local HTTP server answering like OpenCost's allocation API, and the
generic usage CSV."""

from werkzeug import Response

from lib.core import access
from lib.sources import refresh
from lib.sources.files import import_files
from lib.sources.opencost_api import window
from lib.store.lake import engine, new_duck
from lib.store.usage import files as usage_files
from lib.store.usage import parquet_source
from tests import opencost as oc
from tests.sources.test_sources_refresh import configure

MONTH = "2026-06"


def served(store):
    return new_duck().execute(f"select UsageDate::varchar, Cluster, UsageKey, TotalCost from "
                              f"{parquet_source(usage_files(store))} order by all").fetchall()


def month_answer(seen: list):
    def handler(request):
        seen.append((request.path, dict(request.args), request.headers.get("Authorization")))
        return Response(oc.response([oc.allocation("checkout", "2026-06-01", cpu_cost=2),
                                     oc.allocation("__idle__", "2026-06-01", cpu_cost=1)],
                                    [oc.allocation("checkout", "2026-06-02", cpu_cost=3)]),
                        content_type="application/json")
    return handler


def test_refresh_asks_for_daily_namespace_usage_with_idle_and_swaps_the_month_in(store, httpserver, tmp_path,
                                                                                monkeypatch):
    (tmp_path / "secrets.toml").write_text('[sources.k8s-prod]\ntoken = "s3cret"\n')
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(tmp_path / "secrets.toml"))
    configure(store, {"name": "k8s-prod", "provider": "kubernetes", "kind": "opencost",
                      "params": {"url": httpserver.url_for("/"), "path": "/allocation/compute"}})
    seen = []
    httpserver.expect_request("/allocation/compute").respond_with_handler(month_answer(seen))
    for _ in range(2):  # running it twice changes nothing
        [result] = refresh.refresh(store, access.CLI, months=[MONTH])
        assert result.ok, result.problems
        assert (result.rows, result.periods) == (3, (MONTH,))
    assert seen[0] == ("/allocation/compute", {"window": "2026-06-01T00:00:00Z,2026-07-01T00:00:00Z",
                                               "aggregate": "namespace", "step": "1d", "includeIdle": "true",
                                               "accumulate": "false"}, "Bearer s3cret")
    assert [r[:3] for r in served(store)] == [("2026-06-01", "shared-prod", "__idle__"),
                                              ("2026-06-01", "shared-prod", "checkout"),
                                              ("2026-06-02", "shared-prod", "checkout")]
    assert len(usage_files(store)) == 1


def test_an_opencost_error_keeps_the_previous_usage(store, httpserver):
    configure(store, {"name": "k8s-prod", "provider": "kubernetes", "kind": "opencost",
                      "params": {"url": httpserver.url_for("/")}})
    httpserver.expect_oneshot_request("/allocation").respond_with_handler(month_answer([]))
    assert refresh.refresh(store, access.CLI, months=[MONTH])[0].ok
    httpserver.expect_oneshot_request("/allocation").respond_with_json(
        {"code": 500, "status": "", "data": None, "message": "Error: Prometheus is down"}, status=500)
    [result] = refresh.refresh(store, access.CLI, months=[MONTH])
    assert not result.ok
    assert [p.reason for p in result.problems] == ["OpenCost answered HTTP 500 for 2026-06: Error: Prometheus is down"]
    assert len(served(store)) == 3


def test_usage_outside_the_asked_month_is_refused(store, httpserver):
    configure(store, {"name": "k8s-prod", "provider": "kubernetes", "kind": "opencost",
                      "params": {"url": httpserver.url_for("/")}})
    httpserver.expect_request("/allocation").respond_with_data(
        oc.response([oc.allocation("checkout", "2026-07-01", cpu_cost=2)]), content_type="application/json")
    [result] = refresh.refresh(store, access.CLI, months=[MONTH])
    assert not result.ok and "not in the requested 2026-06" in result.problems[0].reason
    assert served(store) == []


def test_an_unreachable_opencost_is_a_problem_naming_the_address(store):
    configure(store, {"name": "k8s-prod", "provider": "kubernetes", "kind": "opencost",
                      "params": {"url": "http://127.0.0.1:9", "timeout": 2}})
    [result] = refresh.refresh(store, access.CLI, months=[MONTH])
    assert not result.ok and result.problems[0].reason.startswith("cannot reach OpenCost at http://127.0.0.1:9")


def test_the_current_month_asks_up_to_the_next_utc_midnight():
    from datetime import datetime, timezone
    assert window("2026-06", datetime(2026, 6, 30, 23, 59, tzinfo=timezone.utc)) == \
        "2026-06-01T00:00:00Z,2026-07-01T00:00:00Z"
    assert window("2026-06", datetime(2026, 6, 1, 0, 1, tzinfo=timezone.utc)) == \
        "2026-06-01T00:00:00Z,2026-06-02T00:00:00Z"


def test_a_generic_usage_csv_checks_every_row(store, tmp_path):
    good = tmp_path / "queries.csv"
    good.write_text("date,metric,key,quantity,unit\n2026-11-01,queries,web,12,count\n2026-11-02,queries,api,3,count\n")
    assert import_files(store, new_duck(), [str(good)]).ok
    bad = tmp_path / "bad.csv"
    bad.write_text("Date,Metric,Key,Quantity,Unit\n2026-11-31,queries,web,12,count\n2026-11-02,queries,,x,count\n"
                   "2026-11-03,kubernetes,web,1,\n2026-11-03,queries,web,1,thousands\n")
    result = import_files(store, new_duck(), [str(bad)])
    assert [(p.row, p.column) for p in result.problems] == [(4, "metric")]
    bad.write_text("Date,Metric,Key,Quantity,Unit\n2026-11-31,queries,web,12,count\n2026-11-02,queries,,x,count\n"
                   "2026-11-03,queries,web,1,thousands\n")
    result = import_files(store, new_duck(), [str(bad)])
    assert [(p.row, p.column, p.reason) for p in result.problems] == [
        (2, "UsageDate", "cannot read as a date like 2026-10-31: 2026-11-31"),
        (3, "Quantity", "cannot read as a number: x"), (3, "UsageKey", "required value is empty")]
    bad.write_text("date,metric,key,quantity,unit\n2026-11-03,queries,web,1,thousands\n")
    assert [p.reason for p in import_files(store, new_duck(), [str(bad), str(good)]).problems] == [
        "metric queries comes in several units (count, thousands); use one"]
    assert new_duck().execute(f"select UsageDate::varchar, Metric, Cluster, UsageKey, Quantity, Unit from "
                              f"{parquet_source(usage_files(store))} order by all").fetchall() == [
        ("2026-11-01", "queries", "", "web", 12, "count"), ("2026-11-02", "queries", "", "api", 3, "count")]


def test_the_example_settings_configure_an_opencost_source():
    from tests.paths import ROOT
    sources, errors = refresh.parse_sources((ROOT / "settings.example.yaml").read_text())
    assert errors == []
    assert [s.params["url"] for s in sources if s.kind == "opencost"] == ["http://opencost.opencost.svc:9003"]


def test_health_watches_an_opencost_source_by_its_usage(store, httpserver):
    from datetime import datetime, timezone

    from lib.alerts import health_sources
    configure(store, {"name": "k8s-prod", "provider": "kubernetes", "kind": "opencost",
                      "params": {"url": httpserver.url_for("/")}})
    httpserver.expect_request("/allocation").respond_with_handler(month_answer([]))
    assert refresh.refresh(store, access.CLI, months=[MONTH])[0].ok
    [check] = health_sources.data_checks(store, engine(store, new_duck()), datetime(2026, 6, 3, 8, tzinfo=timezone.utc))
    assert (check.name, check.status, check.reason[:27]) == ("data:k8s-prod", "ok", "usage through 2026-06-02 (1")
