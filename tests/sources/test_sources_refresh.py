"""Refresh against real client libraries: moto for AWS, local HTTP servers for the Azure and Google APIs."""

import json
import re

import boto3
import pytest
import requests
from werkzeug import Response

from lib.core import access
from lib.sources import refresh
from lib.store.lake import engine, new_duck
from lib.store.state import state
from tests.sources.test_sources_normalizers import AWS, FOCUS

MONTH = "2026-06"


@pytest.fixture
def secrets(tmp_path, monkeypatch):
    path = tmp_path / "secrets.toml"
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(path))
    return path


def configure(store, *sources: dict) -> None:
    import yaml

    (store.data_dir / "settings.yaml").write_text(yaml.safe_dump({"sources": list(sources)}))


def served(store, sql="select BillingCurrency, sum(BilledCost), sum(EffectiveCost), count(*) from charges group by 1"):
    return engine(store, new_duck()).execute(sql).fetchall()


def ce_group(account, service, billed, effective, tag=None):
    keys = [account, service] if tag is None else [service, tag]
    return {"Keys": keys, "Metrics": {"UnblendedCost": {"Amount": billed, "Unit": "USD"},
                                      "AmortizedCost": {"Amount": effective, "Unit": "USD"}}}


def queue_ce(*pages):
    r = requests.post("http://motoapi.amazonaws.com/moto-api/static/ce/cost-and-usage-results",
                      json={"results": list(pages)})
    assert r.status_code == 201


def day(d, groups):
    return {"TimePeriod": {"Start": f"{MONTH}-{d:02d}", "End": f"{MONTH}-{d + 1:02d}"}, "Total": {},
            "Groups": groups, "Estimated": False}


def test_cost_explorer_pages_tags_and_idempotent_refresh(store, aws_env):
    configure(store, {"name": "aws-prod", "provider": "aws", "kind": "cost-explorer",
                      "params": {"tag_key": "team", "billing_account_id": "999999999999"}})
    accounts = {"ResultsByTime": [day(1, [ce_group("111111111111", "Amazon EC2", "3.5", "3.0")])],
                "NextPageToken": "p2"}
    accounts2 = {"ResultsByTime": [day(2, [ce_group("111111111111", "Amazon S3", "1.25", "1.25")])]}
    tagged = {"ResultsByTime": [day(1, [ce_group(None, "Amazon EC2", "3.0", "2.5", "team$web"),
                                        ce_group(None, "Amazon EC2", "0.5", "0.5", "team$")]),
                                day(2, [ce_group(None, "Amazon S3", "1.25", "1.25", "team$search")])]}
    for _ in range(2):  # the second refresh gets the same answers
        queue_ce(accounts, accounts2, tagged)
        [result] = refresh.refresh(store, access.CLI, months=[MONTH])
        assert result.ok, result.problems
        assert result.periods == (MONTH,) and result.rows == 3
    rows = served(store, "select SubAccountId, ServiceName, Tags, BilledCost, EffectiveCost from charges "
                                "order by ServiceName, BilledCost")
    assert [(a, s, t, str(b), str(e)) for a, s, t, b, e in rows] == [
        ("111111111111", "Amazon EC2", None, "0.500000000000", "0.500000000000"),
        ("111111111111", "Amazon EC2", '{"team":"web"}', "3.000000000000", "2.500000000000"),
        ("111111111111", "Amazon S3", '{"team":"search"}', "1.250000000000", "1.250000000000")]
    with state(store) as db:
        assert db.execute("select count(*) from lake_files where active = 1").fetchone()[0] == 1
        assert [r[0] for r in db.execute("select action from audit_log")] == ["refresh.run", "refresh.run"]


def test_s3_export_files_are_listed_downloaded_and_normalized(store, aws_env):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="billing")
    s3.put_object(Bucket="billing", Key="cur2/acme/data/BILLING_PERIOD=2023-06/part-0.csv", Body=AWS.read_bytes())
    s3.put_object(Bucket="billing", Key="cur2/acme/data/BILLING_PERIOD=2023-05/part-0.csv", Body=b"not read")
    configure(store, {"name": "aws-cur", "provider": "aws", "kind": "s3-export",
                      "params": {"bucket": "billing", "prefix": "cur2/"}})
    [result] = refresh.refresh(store, access.CLI, months=["2023-06"])
    assert result.ok, result.problems
    assert [(c, str(b), str(e), n) for c, b, e, n in served(store)] == [
        ("NOK", "30.000000000000", "0.300000000000", 3)]


def test_a_month_the_export_does_not_cover_is_refused(store, aws_env):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="billing")
    # A file filed under July that holds June's charges: nothing may be replaced.
    s3.put_object(Bucket="billing", Key="x/BILLING_PERIOD=2023-07/part-0.csv", Body=AWS.read_bytes())
    configure(store, {"name": "aws-cur", "provider": "aws", "kind": "s3-export", "params": {"bucket": "billing"}})
    [result] = refresh.refresh(store, access.CLI, months=["2023-07"])
    assert not result.ok
    assert "billing period 2023-06, not in the requested 2023-07" in str(result.problems[0])
    assert served(store) == []
    with state(store) as db:
        assert [tuple(r) for r in db.execute("select outcome from ingest_runs")] == [("failed",)]


AZ_PATH = "/providers/Microsoft.Billing/billingAccounts/8611537/providers/Microsoft.CostManagement/query"
AZ_COLUMNS = [{"name": "PreTaxCost", "type": "Number"}, {"name": "UsageDate", "type": "Number"},
              {"name": "SubscriptionId", "type": "String"}, {"name": "ServiceName", "type": "String"},
              {"name": "Currency", "type": "String"}]


def azure_source(httpserver, secrets):
    secrets.write_text('[sources.azure-ea]\naccess_token = "test-token"\n')
    return {"name": "azure-ea", "provider": "azure", "kind": "azure-query",
            "params": {"scope": "/providers/Microsoft.Billing/billingAccounts/8611537",
                       "endpoint": httpserver.url_for("/").rstrip("/")}}


def test_azure_query_follows_next_link_and_waits_out_429(store, httpserver, secrets, monkeypatch):
    monkeypatch.setattr("lib.sources.azure_api.time.sleep", lambda s: None)  # Retry-After: 1 s each
    configure(store, azure_source(httpserver, secrets))
    calls = []

    def answer(request):
        body, auth = request.get_json(), request.headers.get("Authorization")
        calls.append((body["type"], request.args.get("$skiptoken")))
        assert auth == "Bearer test-token"
        if len(calls) == 1:
            return Response("{}", status=429, headers={"Retry-After": "1"})
        if len(calls) == 2:
            return Response("{}", status=503)
        rows = {"ActualCost": [[10.5, 20260601, "sub-1", "Virtual Machines", "USD"]],
                "AmortizedCost": [[4.25, 20260601, "sub-1", "Virtual Machines", "USD"]]}[body["type"]]
        more = None if request.args.get("$skiptoken") else httpserver.url_for(AZ_PATH) + "?$skiptoken=page2"
        if request.args.get("$skiptoken"):
            rows = [[1.5, 20260602, "sub-1", "Storage", "USD"]]
        return Response(json.dumps({"properties": {"nextLink": more, "columns": AZ_COLUMNS, "rows": rows}}),
                        content_type="application/json")

    httpserver.expect_request(AZ_PATH, method="POST").respond_with_handler(answer)
    [result] = refresh.refresh(store, access.CLI, months=[MONTH])
    assert result.ok, result.problems
    assert calls == [("ActualCost", None)] * 3 + [("ActualCost", "page2"), ("AmortizedCost", None),
                                                  ("AmortizedCost", "page2")]
    assert [(c, str(b), str(e)) for c, b, e, _ in served(store)] == [("USD", "12.000000000000", "5.750000000000")]


@pytest.mark.parametrize("status, says", [(401, "expired"), (400, "Invalid dataset grouping")])
def test_azure_errors_keep_the_previous_data(store, httpserver, secrets, tmp_path, status, says):
    from lib.sources import imports

    assert imports.import_paths(store, access.CLI, [str(FOCUS)]).ok
    before = served(store)
    configure(store, azure_source(httpserver, secrets))
    error = {"error": {"code": "BadRequest" if status == 400 else "ExpiredAuthenticationToken",
                       "message": "Invalid dataset grouping" if status == 400 else "The access token expired."}}
    httpserver.expect_request(AZ_PATH, method="POST").respond_with_json(error, status=status)
    [result] = refresh.refresh(store, access.CLI, months=[MONTH])
    assert not result.ok and says in str(result.problems[0])
    assert served(store) == before


def bq_rows(*items):
    from lib.sources import gcp_api

    names = list(gcp_api.SCALARS + gcp_api.TEXT_NUMBERS + gcp_api.TIMES + gcp_api.ARRAYS)
    schema = {"fields": [{"name": n, "type": "STRING", "mode": "NULLABLE"} for n in names]}
    out = []
    for cost, credits, d in items:
        v = {"billing_account_id": "0000AA-BBBBBB", "service.description": "Compute Engine", "sku.id": "CP-1",
             "project.id": "shop-prod", "project.name": "Shop", "currency": "USD", "invoice.month": "202606",
             "cost_type": "regular", "cost": cost, "usage_start_time": f"{MONTH}-{d}T00:00:00Z",
             "usage_end_time": f"{MONTH}-{d}T01:00:00Z", "credits": json.dumps(credits),
             "labels": json.dumps([{"key": "Team", "value": "web"}]), "system_labels": "[]", "tags": "[]",
             "project.labels": json.dumps([{"key": "env", "value": "prod"}])}
        out.append({"f": [{"v": v.get(n)} for n in names]})
    return schema, out


def test_bigquery_export_pages_and_names_the_billing_account(store, httpserver):
    configure(store, {"name": "gcp", "provider": "gcp", "kind": "bigquery-export", "params": {
        "table": "shop-billing.export.gcp_billing_export_v1_0000AA_BBBBBB", "anonymous": True,
        "endpoint": httpserver.url_for("/").rstrip("/"), "billing_endpoint": httpserver.url_for("/").rstrip("/")}})
    schema, rows = bq_rows(("1.5", [{"amount": -0.5, "type": "PROMOTION"}], "02"), ("2.25", [], "03"))
    job = {"projectId": "shop-billing", "jobId": "j1", "location": "US"}
    queries = []

    def query(request):
        queries.append(request.get_json() if request.method == "POST" else request.args.get("pageToken"))
        if request.method == "POST":
            return Response(json.dumps({"schema": schema, "jobReference": job, "totalRows": "2", "rows": rows[:1],
                                        "pageToken": "p2", "jobComplete": True}), content_type="application/json")
        return Response(json.dumps({"schema": schema, "jobReference": job, "totalRows": "2", "rows": rows[1:],
                                    "jobComplete": True}), content_type="application/json")

    httpserver.expect_request(re.compile(r"/bigquery/v2/projects/shop-billing/queries.*")).respond_with_handler(query)
    httpserver.expect_request("/bigquery/v2/projects/shop-billing/jobs/j1").respond_with_json(
        {"jobReference": job, "status": {"state": "DONE"}, "configuration": {"query": {"query": "-"}}})
    httpserver.expect_request("/v1/billingAccounts/0000AA-BBBBBB").respond_with_json(
        {"name": "billingAccounts/0000AA-BBBBBB", "displayName": "Shop billing"})
    [result] = refresh.refresh(store, access.CLI, months=[MONTH])
    assert result.ok, result.problems
    sql = queries[0]["query"]
    assert "invoice.month = @month" in sql and "_PARTITIONTIME" in sql
    assert {p["name"]: p["parameterValue"]["value"] for p in queries[0]["queryParameters"]} == {
        "month": "202606", "first_day": "2026-06-01"}
    assert queries[1] == "p2"
    rows = served(store, "select BillingAccountName, SubAccountId, BilledCost, Tags from charges order by BilledCost")
    assert [(n, s, str(b), json.loads(t)) for n, s, b, t in rows] == [
        ("Shop billing", "shop-prod", "1.000000000000", {"env": "prod", "Team": "web"}),
        ("Shop billing", "shop-prod", "2.250000000000", {"env": "prod", "Team": "web"})]


def test_bigquery_error_is_reported_with_its_cause(store, httpserver):
    configure(store, {"name": "gcp", "provider": "gcp", "kind": "bigquery-export", "params": {
        "table": "p.d.t", "anonymous": True, "endpoint": httpserver.url_for("/").rstrip("/"), "retry_deadline": 1}})
    httpserver.expect_request(re.compile(r"/bigquery/v2/projects/p/queries.*")).respond_with_json(
        {"error": {"code": 403, "message": "Access Denied: Table p:d.t", "status": "PERMISSION_DENIED"}}, status=403)
    [result] = refresh.refresh(store, access.CLI, months=[MONTH])
    assert not result.ok and "Access Denied" in str(result.problems[0])


def test_folder_source_reads_only_the_requested_month(store, tmp_path):
    folder = tmp_path / "drop"
    (folder / "2023-06").mkdir(parents=True)
    (folder / "2023-06" / "cur.csv").write_bytes(AWS.read_bytes())
    (folder / "2024-09").mkdir()
    (folder / "2024-09" / "focus.csv").write_bytes(FOCUS.read_bytes())
    configure(store, {"name": "drop", "provider": "aws", "kind": "folder", "params": {"path": str(folder)}})
    [result] = refresh.refresh(store, access.CLI, months=["2023-06"])
    assert result.ok and result.periods == ("2023-06",)
    [none] = refresh.refresh(store, access.CLI, months=["2022-01"])
    assert not none.ok and "no export files for 2022-01" in str(none.problems[0])


@pytest.mark.parametrize("text, says", [
    ("sources:\n  - {name: a, kind: ftp}\n", "kind 'ftp' is not one of"),
    ("sources:\n  - {name: a, kind: folder}\n  - {name: a, kind: folder}\n", "name 'a' is used twice"),
    ("sources:\n  - {name: a, kind: folder, params: {client_secret: x}}\n", "secrets belong in"),
    ("sources: [", "not valid YAML"),
])
def test_bad_settings_are_named(text, says):
    sources, errors = refresh.parse_sources(text)
    assert sources == [] and any(says in e for e in errors)


def test_refresh_needs_the_manage_sources_permission(store):
    with pytest.raises(access.PermissionDenied):
        refresh.refresh(store, access.User("fin", "finance"))


def test_default_months_are_previous_and_current():
    from datetime import date

    assert refresh.default_months(date(2026, 1, 15)) == ["2025-12", "2026-01"]
