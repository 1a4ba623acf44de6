"""FOCUS 1.0 to 1.4 in: version detection, 1.3/1.4 columns kept, version rules as problems by row and column."""

import csv
import json
from pathlib import Path

import pytest

from lib.core import focus_versions
from lib.sources.files import describe, import_files
from lib.store.lake import engine, new_duck
from lib.store.state import open_store, state
from tests.paths import FIXTURES, SAMPLES

HAND = FIXTURES / "focus"
V13 = HAND / "focus_1.3_cost_and_usage.csv"
V14 = HAND / "focus_1.4_cost_and_usage.csv"


def rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write(path: Path, table: list[dict], drop: tuple[str, ...] = ()) -> Path:
    names = [n for n in table[0] if n not in drop]
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.DictWriter(f, names, extrasaction="ignore")
        out.writeheader()
        out.writerows(table)
    return path


def test_the_version_tables_match_the_specification():
    assert [len(focus_versions.columns(v)) for v in focus_versions.VERSIONS] == [43, 50, 57, 65, 65]
    assert "ProviderName" in focus_versions.columns("1.3") and "ProviderName" not in focus_versions.columns("1.4")
    assert set(focus_versions.mandatory("1.4")) - set(focus_versions.mandatory("1.2")) == {"HostProviderName",
                                                                                        "ServiceProviderName"}


@pytest.mark.parametrize("path, said", [
    (SAMPLES / "focus" / "focus_sample_1000_focus1.0.csv", "FOCUS 1.0 (from its columns)"),
    (V13, "FOCUS 1.3 (from its columns)"),
    (V14, "FOCUS 1.4 (from its columns)"),
    (HAND / "focus_1.3_contract_commitment.csv", "FOCUS ContractCommitment dataset"),
    (HAND / "focus_1.4_billing_period.csv", "FOCUS BillingPeriod dataset"),
    (HAND / "focus_1.4_invoice_detail.csv", "FOCUS InvoiceDetail dataset"),
    (SAMPLES / "aws" / "cur_legacy_savingsplan_nok.csv", "aws-cur"),
])
def test_detection_says_what_it_read(path, said):
    assert describe(new_duck(), str(path)) == f"{path.name}: {said}"


def test_header_of_each_version_is_told_apart():
    for version in ("1.0", "1.1", "1.2", "1.3", "1.4"):
        assert focus_versions.detect(list(focus_versions.columns(version))) == version


def test_a_metadata_file_beside_the_data_declares_the_version(tmp_path):
    path = write(tmp_path / "export.csv", rows(V13))
    (tmp_path / "export-metadata.json").write_text(json.dumps({"Schema": [{"FocusVersion": "1.3"}]}))
    assert describe(new_duck(), str(path)) == "export.csv: FOCUS 1.3 (declared in export-metadata.json)"
    assert import_files(open_store(tmp_path / "d"), new_duck(), [str(path)]).ok


def test_1_3_and_1_4_files_import_with_their_columns(tmp_path):
    store = open_store(tmp_path / "d")
    result = import_files(store, new_duck(), [str(V13), str(V14)])
    assert result.ok, result.problems
    con = engine(store, new_duck())
    got = con.execute("select x_BillingPeriod, ProviderName, ServiceProviderName, count(*), sum(BilledCost) "
                      "from charges group by all order by 1").fetchall()
    assert [(p, a, b, n, str(s)) for p, a, b, n, s in got] == [
        ("2026-09", "Acme Cloud", "Acme Cloud", 6, "202.000000000000"),
        ("2026-10", "Acme Cloud", "Acme Cloud", 3, "154.000000000000")]  # 1.4: ProviderName from ServiceProviderName
    split = con.execute("select AllocatedMethodId, AllocatedResourceId, AllocatedTags from charges "
                        "where AllocatedMethodId is not null order by 2").fetchall()
    assert split == [("acme-k8s-cpu-requests", "ns/search", '{"team":"search"}'),
                     ("acme-k8s-cpu-requests", "ns/web", '{"team":"web"}')]
    assert con.execute("select count(*) from charges where InvoiceDetailId is not null and "
                       "CommitmentProgramEligibilityDetails like '%Savings Plan%'").fetchone()[0] == 1
    applied = con.execute("select ContractApplied from charges where ContractApplied like '%CC-2%'").fetchone()[0]
    assert '"ContractCommitmentId":"CC-2"' in applied and "ContractCommitmentID" not in applied


def test_rules_match_the_provider_split_columns(tmp_path):
    from lib.allocation import cache
    from lib.config import versions
    from lib.core import access
    from lib.reports import spend
    from tests.conftest import ORG
    store = open_store(tmp_path / "d")
    versions.save_org(store, ORG, access.CLI, "org")
    rules = """
rules:
  - {name: Cluster shares, match: {allocated_tags.TEAM: "*"}, to: web}
  - {name: Search namespace, match: {allocated_resource_id: "ns/search"}, to: search}
  - {name: Team tag, match: {tags.team: "*"}, to: tag:team}
"""
    assert versions.save_rules(store, rules, access.CLI, "rules")[1] == []
    assert import_files(store, new_duck(), [str(V13)]).ok
    con = engine(store, new_duck())
    cache.allocated_view(store, con)
    totals = {t: str(a) for t, _, a in spend.totals(con, access.CLI, "2026-09", "team", "billed")}
    # both cluster shares carry allocated tags: the first rule takes them (ns/search included, first match wins)
    assert totals == {"web": "160.00", "search": "20.00", "Unallocated": "22.00"}
    rules = rules.replace('{name: Cluster shares, match: {allocated_tags.TEAM: "*"}, to: web}',
                          '{name: Cluster web, match: {allocated_tags.team: web}, to: web}')
    assert versions.save_rules(store, rules, access.CLI, "rules")[1] == []
    cache.allocated_view(store, con)
    totals = {t: str(a) for t, _, a in spend.totals(con, access.CLI, "2026-09", "team", "billed")}
    assert totals == {"web": "145.00", "search": "35.00", "Unallocated": "22.00"}


def mutated(tmp_path, source: Path, row: int, **changes) -> Path:
    table = rows(source)
    table[row].update(changes)
    return write(tmp_path / source.name, table)


@pytest.mark.parametrize("source, row, changes, expected", [
    (V13, 0, {"HostProviderName": ""}, "row 2, column HostProviderName: required value is empty (FOCUS 1.3)"),
    (V13, 1, {"AllocatedMethodId": ""}, "row 3, column AllocatedMethodId: empty on a row from a split cost allocation"),
    (V13, 1, {"AllocatedMethodDetails": '{"Elements":[{"AllocatedRatio":1.5}]}'},
     "row 3, column AllocatedMethodDetails: not {\"Elements\": [{\"AllocatedRatio\": 0 to 1}, ...]}"),
    (V13, 1, {"AllocatedMethodDetails": '{"AllocatedRatio":0.75}'}, "row 3, column AllocatedMethodDetails: not"),
    (V13, 2, {"AllocatedTags": '{"team":{"name":"search"}}'},
     "row 4, column AllocatedTags: not a JSON object of tag keys and plain values"),
    (V13, 0, {"ContractApplied": '{"Elements":[{"ContractCommitmentId":"CC-1","ContractCommitmentAppliedCost":1}]}'},
     "row 2, column ContractApplied: not {\"Elements\": [{\"ContractId\""),
    (V13, 3, {"ChargePeriodStart": "9/6/26"}, "row 5, column ChargePeriodStart: not an ISO 8601 date/time"),
    (V14, 1, {"InvoiceId": ""}, "row 3, column InvoiceDetailId: set on a charge without an InvoiceId"),
])
def test_a_file_breaking_its_version_rules_gets_a_problem_naming_row_and_column(tmp_path, source, row, changes,
                                                                                expected):
    store = open_store(tmp_path / "d")
    result = import_files(store, new_duck(), [str(mutated(tmp_path, source, row, **changes))])
    assert not result.ok
    assert any(str(p).startswith(f"{source.name}, {expected}") for p in result.problems), result.problems
    with state(store) as db:
        assert db.execute("select count(*) from lake_files").fetchone()[0] == 0


def test_a_1_3_file_without_a_mandatory_1_3_column(tmp_path):
    path = write(tmp_path / "b.csv", rows(V13), drop=("HostProviderName",))
    result = import_files(open_store(tmp_path / "d"), new_duck(), [str(path)])
    assert [str(p) for p in result.problems] == [
        "b.csv, column HostProviderName: required since FOCUS 1.3, and the file has FOCUS 1.3 columns "
        "(AllocatedMethodDetails, AllocatedMethodId, AllocatedResourceId, AllocatedResourceName, AllocatedTags, "
        "ContractApplied, ServiceProviderName)"]


@pytest.mark.parametrize("declared, source, expected", [
    ("1.4", V13, "column ProviderName: removed in FOCUS 1.4"),
    ("1.2", V13, "column ServiceProviderName: a FOCUS 1.3 column in a file declared in b-metadata.json as FOCUS 1.2"),
    ("1.3", V14, "column ProviderName: required in FOCUS 1.3 (declared in b-metadata.json), but the file has no such"),
    ("2.0", V13, "declares FOCUS version 2.0 (declared in b-metadata.json); Costbook reads 1.0 to 1.4"),
])
def test_a_declared_version_is_held_to_its_columns(tmp_path, declared, source, expected):
    path = write(tmp_path / "b.csv", rows(source))
    (tmp_path / "b-metadata.json").write_text(json.dumps({"FocusVersion": declared}))
    result = import_files(open_store(tmp_path / "d"), new_duck(), [str(path)])
    assert any(expected in str(p) for p in result.problems), result.problems


def test_lake_files_written_before_the_1_3_columns_still_read(tmp_path):
    """A lake file of schema 1 (no Allocated*, ContractApplied, ... columns) reads them as null."""
    store = open_store(tmp_path / "d")
    assert import_files(store, new_duck(), [str(SAMPLES / "aws" / "cur_legacy_savingsplan_nok.csv")]).ok
    with state(store, write=True) as db:
        (path,) = db.execute("select path from lake_files").fetchone()
        db.execute("update lake_files set lake_schema = 1")
    con = new_duck()
    added = ", ".join(focus_versions.ADDED["1.3"][:6] + focus_versions.ADDED["1.4"] + ("x_ProviderExtras",))
    file = store.lake / path
    con.execute(f"copy (select * exclude ({added}) from read_parquet('{file}')) to '{file}.old' (format parquet)")
    Path(f"{file}.old").replace(file)
    charges = engine(store, new_duck())
    assert charges.execute("select count(*), count(AllocatedMethodId) from charges").fetchone() == (3, 0)


def test_the_spark_engine_refuses_allocated_tag_rules_rather_than_miss_them():
    from lib.allocation import spark
    from lib.config.org import parse_org
    from lib.config.rules import parse_rules
    from tests.conftest import ORG
    org, _ = parse_org(ORG)
    rules, errors = parse_rules("rules:\n  - {name: A, match: {allocated_tags.team: web}, to: web}\n", org)
    assert errors == []
    with pytest.raises(RuntimeError, match="allocated_tags.<key> run on the DuckDB engine only"):
        spark.allocate(None, [], "2026-10", rules, org, 1, "/nowhere.parquet")
