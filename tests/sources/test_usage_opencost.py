"""OpenCost allocation data in, in the real formats, and the usage lake's atomic replace of a month.

Where the formats come from (opencost/opencost at commit 5f6533303e3850c8635796a74bb22802d16e9090,
v1.112.0-9, read from OpenCost's own source and tests; no OpenCost file is copied here):
- the API envelope `{"code","status","data"}`: pkg/costmodel/router.go (`Response`, `WrapData`), errors from
  pkg/costmodel/aggregation.go (`WriteError`); `/allocation` (pkg/cmd/costmodel/costmodel.go) and
  `/allocation/compute` (pkg/costmodel/router.go) share `ComputeAllocationHandler`;
- `data` as one map per step keyed by allocation name: core/pkg/opencost/allocation_json.go
  (`AllocationSetRange.MarshalJSON`), the fields and their order (`AllocationJSON`), 5-decimal rounding
  (`formatFloat64ForResponse`); properties from core/pkg/opencost/allocationprops.go;
- `__idle__` (one per response after aggregation, only the cluster and cpu/ram cost) and `__unmounted__`:
  core/pkg/opencost/allocation.go, pkg/costmodel/costmodel.go `computeIdleAllocations`;
- the exporter's CSV header and number format: pkg/costmodel/csv_export.go and its test
  pkg/costmodel/csv_export_test.go (label columns `Labels`, `Label_<name>` since v1.104);
- the older (<= v1.100) 6-decimal style: pkg/kubecost/json.go at tag v1.100.0 and docs/swagger.json.
The fixtures in tests/fixtures/opencost/ were written by hand in those shapes (two days of a cluster with
a mapped, an unmapped, an unmounted and an idle allocation); the CSVs describe the same containers.
"""

import json
from decimal import Decimal

import pytest

from lib.cli.main import main
from lib.sources.files import detect, import_files
from lib.store.guard import recover_interrupted
from lib.store.lake import new_duck
from lib.store.state import state
from lib.store.usage import files as usage_files
from lib.store.usage import parquet_source
from tests import opencost as oc
from tests.paths import FIXTURES

D = Decimal
RESPONSE = FIXTURES / "opencost" / "allocation_namespace_2d.json"
EXPORT = FIXTURES / "opencost" / "export.csv"
EXPORT_LABELS = FIXTURES / "opencost" / "export_labels.csv"


def served(store, sql: str) -> list:
    return new_duck().execute(sql.format(usage=parquet_source(usage_files(store)))).fetchall()


def test_an_allocation_response_becomes_one_usage_row_per_day_and_namespace(store):
    result = import_files(store, new_duck(), [str(RESPONSE)])
    assert result.ok, result.problems
    assert (result.rows, result.periods) == (10, ("2024-10",))
    rows = served(store, "select UsageDate, Cluster, UsageKey, TotalCost, CpuCoreHours, Labels from {usage} "
                         "where UsageDate = '2024-10-01' order by UsageKey")
    assert [(str(d), c, k, t) for d, c, k, t, _, _ in rows] == [
        ("2024-10-01", "shared-prod", "__idle__", D("3.01356")), ("2024-10-01", "shared-prod", "__unmounted__", D("0.06576")),
        ("2024-10-01", "shared-prod", "cart", D("1.48226")), ("2024-10-01", "shared-prod", "checkout", D("1.96528")),
        ("2024-10-01", "shared-prod", "sandbox-legacy", D("0.21509"))]
    by_key = {k: (h, json.loads(labels) if labels else None) for _, _, k, _, h, labels in rows}
    assert by_key["checkout"] == (D(48), {"kubernetes_io_metadata_name": "checkout", "team": "payments"})
    assert by_key["sandbox-legacy"][1]["run"] == "debug-shell"  # pod labels kept under the namespace labels
    # hours from averages x running minutes: the bare pod ran 12 hours on the first day
    assert served(store, "select CpuCoreRequestHours, CpuCoreUsageHours from {usage} where UsageKey = 'sandbox-legacy'"
                         " and UsageDate = '2024-10-01'") == [(D(6), D("0.6"))]


def test_the_csv_export_adds_up_to_the_response_and_takes_the_cluster_from_the_import(store, capsys):
    assert main(["--data-dir", str(store.data_dir), "import", str(EXPORT)]) == 2
    assert "has no cluster column" in capsys.readouterr().err
    assert main(["--data-dir", str(store.data_dir), "import", str(EXPORT), "--cluster", "shared-prod"]) == 0
    assert capsys.readouterr().out.splitlines() == ["period,metric,cluster,keys,days,rows",
                                                    "2024-10,kubernetes,shared-prod,4,2,12"]
    csv_rows = dict(((str(d), k), t) for d, k, t in served(
        store, "select UsageDate, UsageKey, sum(TotalCost) from {usage} group by all"))
    response = json.loads(RESPONSE.read_text())
    for step in response["data"]:
        for name, a in step.items():
            if name != "__idle__":  # the export has no idle
                assert abs(csv_rows[(a["window"]["start"][:10], name)] - D(str(a["totalCost"]))) < D("0.00002")


def test_export_label_columns_become_labels(store):
    assert import_files(store, new_duck(), [str(EXPORT_LABELS)], cluster="shared-prod").ok
    labels = served(store, "select distinct UsageKey, Labels from {usage} order by 1")
    assert [(k, json.loads(v)) for k, v in labels] == [("cart", {"app": "cart", "team": "basket"}),
                                                        ("checkout", {"app": "checkout-api", "team": "payments"})]


def test_formats_are_detected_by_name_and_header(tmp_path):
    usage = tmp_path / "queries.csv"
    usage.write_text("Date,Metric,Key,Quantity,Unit\n2026-11-01,queries,web,1,count\n")
    con = new_duck()
    assert [detect(con, str(p)) for p in (RESPONSE, EXPORT, usage)] == ["opencost", "opencost", "usage"]


def test_the_older_six_decimal_style_and_empty_steps_read_too(store, tmp_path):
    """v1.100 printed %f numbers, rawAllocationOnly null and no idle; a step with no data is {} or null."""
    old = ('{"code":200,"status":"success","data":[{"kube-system":{"name":"kube-system","properties":{"cluster":'
           '"cluster-one","namespace":"kube-system"},"window":{"start":"2023-01-18T00:00:00Z","end":'
           '"2023-01-19T00:00:00Z"},"start":"2023-01-18T00:00:00Z","end":"2023-01-19T00:00:00Z","minutes":1440.000000,'
           '"cpuCores":0.449881,"cpuCoreRequestAverage":0.450000,"cpuCoreUsageAverage":0.021320,"cpuCoreHours":10.797144,'
           '"cpuCost":0.341290,"totalCost":0.425469,"rawAllocationOnly":null}},{},null]}')
    path = tmp_path / "old.json"
    path.write_text(old)
    result = import_files(store, new_duck(), [str(path)])
    assert result.ok, result.problems
    assert served(store, "select Cluster, UsageKey, TotalCost, CpuCoreHours from {usage}") == [
        ("cluster-one", "kube-system", D("0.425469"), D("10.797144"))]


@pytest.mark.parametrize("body, column, reason", [
    ('{"code":500,"status":"","data":null,"message":"Error: failed to query Prometheus"}', "code",
     "OpenCost answered 500 : Error: failed to query Prometheus"),
    (oc.response([dict(oc.allocation("web", "2026-11-01"), window={"start": "2026-11-01T00:00:00Z",
                                                                    "end": "2026-12-01T00:00:00Z"})]),
     "data[0]['web']", "covers 2026-11-01T00:00:00Z to 2026-12-01T00:00:00Z: query OpenCost with step=1d"),
    (oc.response([dict(oc.allocation("shared-prod", "2026-11-01"), properties={"cluster": "shared-prod"})]),
     "data[0]['shared-prod']", "has no namespace: query OpenCost with aggregate=namespace"),
    (oc.response([oc.allocation("a", "2026-11-01", "c1"), oc.allocation("b", "2026-11-01", "c2"),
                  dict(oc.allocation("__idle__", "2026-11-01"), properties={})]),
     "data[0]['__idle__']", "is the idle of several clusters merged into one"),
    ("[1, 2]", None, "not an OpenCost allocation response"),
])
def test_responses_that_cannot_be_split_by_day_and_namespace_are_refused(store, tmp_path, body, column, reason):
    path = tmp_path / "bad.json"
    path.write_text(body)
    result = import_files(store, new_duck(), [str(path)])
    assert not result.ok
    assert (result.problems[0].column, result.problems[0].reason[:len(reason)]) == (column, reason)
    assert usage_files(store) == []


def test_a_month_of_a_cluster_is_replaced_whole_and_other_clusters_stay(store, tmp_path):
    first = [oc.allocation("web", "2026-11-01", cpu_cost=1), oc.allocation("web", "2026-11-01", "other", cpu_cost=7)]
    assert import_files(store, new_duck(), [oc.write(tmp_path / "a.json", first,
                                                     [oc.allocation("web", "2026-11-02", cpu_cost=2)])]).ok
    again = [oc.allocation("api", "2026-11-03", cpu_cost=5)]
    assert import_files(store, new_duck(), [oc.write(tmp_path / "b.json", again)]).ok
    assert served(store, "select Cluster, UsageKey, UsageDate::varchar, TotalCost from {usage} order by 1, 2") == [
        ("other", "web", "2026-11-01", D(7)), ("shared-prod", "api", "2026-11-03", D(5))]


def test_a_bad_file_changes_nothing_and_billing_files_go_separately(store, tmp_path):
    assert import_files(store, new_duck(), [str(RESPONSE)]).ok
    bad = tmp_path / "export.csv"
    bad.write_text(EXPORT.read_text().replace("0.405,1,", "0.405,one,", 1))
    result = import_files(store, new_duck(), [str(bad)], cluster="shared-prod")
    assert [(p.row, p.column, p.reason) for p in result.problems][:1] == [
        (2, "CPUCoreRequestAverage", "cannot read as a number: one")]
    bill = tmp_path / "bill.csv"
    bill.write_text("BilledCost,ChargePeriodStart,BillingCurrency\n1,2026-11-01,USD\n")
    mixed = import_files(store, new_duck(), [str(RESPONSE), str(bill)])
    assert [p.reason for p in mixed.problems] == ["usage files (opencost, usage) and billing files go in separate "
                                                  "imports"]
    assert len(served(store, "select * from {usage}")) == 10


def test_a_killed_usage_import_leaves_nothing_behind(store):
    with state(store, write=True) as db:
        run = db.execute("insert into ingest_runs (source, label, started_at) values ('opencost', 'x', 'now')").lastrowid
    orphan = store.lake / "usage" / "source=opencost" / "metric=kubernetes" / "cluster=c" / "period=2026-11" / \
        f"run-{run}-0.parquet"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"half a file")
    assert recover_interrupted(store) == [run]
    assert not orphan.exists()
