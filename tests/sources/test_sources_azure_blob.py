"""Azure exports in a storage container (kind azure-export-blob), through the real azure-storage-blob SDK.

The container is tests/blob_server.py: pytest-httpserver speaking the Blob REST API (List Blobs
with NextMarker paging, ranged Get Blob). The exports are Microsoft's EA sample files, laid out
the way Cost Management writes them: <root>/<export>/<YYYYMMDD-YYYYMMDD>/<run id>/part_*.
"""

import csv
import gzip
import io
import json

import pytest

from lib.core import access
from lib.sources import azure_blob, imports, refresh
from lib.store.state import state
from tests.blob_server import BlobContainer
from tests.sources.test_sources_normalizers import ACTUAL, AMORTIZED, FOCUS, d, rows
from tests.sources.test_sources_refresh import configure, served

MONTH = "2023-09"  # the samples' billing period
SEPT = "costbook/costbook-{}/20230901-20230930/{}/{}"


@pytest.fixture
def secrets(tmp_path, monkeypatch):
    path = tmp_path / "secrets.toml"
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(path))
    return path


def manifest(export: str, dataset: str, run: str, submitted: str, parts: list[str]) -> bytes:
    """A manifest.json as Cost Management writes it last into each run folder."""
    return json.dumps({
        "manifestVersion": "2024-04-01", "blobCount": len(parts),
        "exportConfig": {"exportName": export, "type": dataset, "dataVersion": "2021-10-01", "granularity": "Daily"},
        "deliveryConfig": {"partitionData": True, "fileFormat": "Csv", "rootFolderPath": "costbook"},
        "runInfo": {"executionType": "Scheduled", "submittedTime": submitted, "runId": run,
                    "startDate": "2023-09-01T00:00:00", "endDate": "2023-09-30T00:00:00"},
        "blobs": [{"blobName": p} for p in parts]}).encode()


def first_rows(path, n: int) -> bytes:
    """The header and the first n rows of a sample: what an earlier, smaller run of the export held."""
    out = io.StringIO()
    writer = csv.writer(out)
    with path.open(encoding="utf-8-sig", newline="") as f:
        for i, row in enumerate(csv.reader(f)):
            if i <= n:
                writer.writerow(row)
    return out.getvalue().encode()


def run(box: BlobContainer, export: str, dataset: str, run_id: str, submitted: str | None, parts: dict) -> list[str]:
    """Put one export run (its parts, then its manifest unless the run is still being written)."""
    names = []
    for part, data in parts.items():
        names.append(SEPT.format(export, run_id, part))
        box.put(names[-1], data, modified=(submitted or "2023-10-09T00:00:00")[:19])
    if submitted:
        names.append(SEPT.format(export, run_id, "manifest.json"))
        box.put(names[-1], manifest(f"costbook-{export}", dataset, run_id, submitted, names[:-1]),
                modified=submitted[:19])
    return names


def blob_source(box: BlobContainer, secrets, connection_string: str) -> dict:
    secrets.write_text(f'[sources.azure-blob]\nconnection_string = "{connection_string}"\n')
    return {"name": "azure-blob", "provider": "azure", "kind": "azure-export-blob",
            "params": {"container": "exports", "prefix": "costbook/"}}


def test_latest_run_of_each_export_is_downloaded_in_ranges_and_keeps_the_samples_totals(
        store, httpserver, secrets, monkeypatch):
    monkeypatch.setattr(azure_blob, "CHUNK", 4096)  # several ranged reads per sample file
    box = BlobContainer(httpserver, page_size=3)
    chosen = run(box, "actual", "ActualCost", "6c1d0b9e-run", "2023-10-02T06:10:00Z",
                 {"part_0_0001.csv.gz": gzip.compress(ACTUAL.read_bytes())})
    chosen += run(box, "amortized", "AmortizedCost", "1a2b3c4d-new", "2023-10-02T06:00:00Z",
                  {"part_0_0001.csv": AMORTIZED.read_bytes()})
    # An earlier run of the same month (its id sorts last), and one still being written (no manifest yet).
    older = run(box, "amortized", "AmortizedCost", "f0e1d2c3-old", "2023-10-01T06:00:00Z",
                {"part_0_0001.csv": first_rows(AMORTIZED, 3)})
    run(box, "amortized", "AmortizedCost", "ffff0000-writing", None, {"part_0_0001.csv": b"half a file"})
    box.put("costbook/costbook-amortized/20230801-20230831/0000-aug/part_0_0001.csv", b"another month")
    box.put("elsewhere/readme.txt", b"outside the prefix")
    configure(store, blob_source(box, secrets, box.key_connection_string()))

    [result] = refresh.refresh(store, access.CLI, months=[MONTH])

    assert result.ok, [str(p) for p in result.problems]
    actual, amortized = rows(ACTUAL), rows(AMORTIZED)
    commitment = ("Reservation", "SavingsPlan")
    purchases = [r for r in actual if r["ChargeType"] in ("Purchase", "Refund") and r["PricingModel"] in commitment]
    billed = sum(d(r["Cost"]) for r in purchases) + sum(
        d(r["Cost"]) for r in amortized if not (r["ChargeType"] == "Usage" and r["PricingModel"] in commitment))
    assert result.periods == (MONTH,) and result.rows == len(amortized) + len(purchases)
    assert served(store) == [("USD", billed, sum(d(r["Cost"]) for r in amortized), len(amortized) + 1)]
    # Read: the chosen runs' parts and the manifests that decided; not the older, unfinished or August runs.
    assert box.downloads() == sorted(chosen + [older[-1]])
    ranges = [detail.split(" ")[1] for kind, detail in box.calls if kind == "get" and "amortized" in detail]
    assert "bytes=4096-8191" in ranges
    markers = [marker for kind, marker in box.calls if kind == "list"]
    assert len(markers) == 3 and markers[0] == "" and all(markers[1:])  # 8 blobs under the prefix, 3 a page

    [missing] = refresh.refresh(store, access.CLI, months=["2023-07"])
    assert not missing.ok and "no export runs for 2023-07 in container exports/costbook/" in str(missing.problems[0])


@pytest.mark.parametrize("sig, permissions, code", [
    ("d3Jvbmc%3D", "rl", "AuthenticationFailed"),           # a wrong or revoked SAS
    (None, "r", "AuthorizationPermissionMismatch"),          # a SAS without the List permission
])
def test_refused_credentials_are_named_and_keep_the_previous_data(store, httpserver, secrets, sig, permissions, code):
    assert imports.import_paths(store, access.CLI, [str(FOCUS)]).ok
    before = served(store)
    box = BlobContainer(httpserver)
    run(box, "amortized", "AmortizedCost", "1a2b3c4d-new", "2023-10-02T06:00:00Z",
        {"part_0_0001.csv": AMORTIZED.read_bytes()})
    sas = box.sas_connection_string(**({"sig": sig} if sig else {}), permissions=permissions)
    configure(store, blob_source(box, secrets, sas))

    [result] = refresh.refresh(store, access.CLI, months=[MONTH])

    assert not result.ok
    assert str(result.problems[0]) == (
        f"azure-blob: Azure Storage refused access to container 'exports' (403 {code}): the connection string, "
        f"SAS token or key in [sources.azure-blob] is wrong or expired, or the identity lacks list and read "
        f"permission (Storage Blob Data Reader)")
    assert served(store) == before
    with state(store) as db:
        last = db.execute("select outcome, problems from ingest_runs order by id desc limit 1").fetchone()
    assert last[0] == "failed" and "sig=" not in last[1] and "SharedAccessSignature" not in last[1]


@pytest.mark.parametrize("params, says", [
    ({"prefix": "x"}, "params.container is missing"),
    ({"container": "exports"}, "params.account_url is missing"),
    ({"container": "exports", "account_url": "https://acme.blob.core.windows.net/?sv=1&sig=abc"},
     "carries a SAS token: it belongs in secrets"),
])
def test_incomplete_settings_are_named(store, secrets, params, says):
    configure(store, {"name": "azure-blob", "provider": "azure", "kind": "azure-export-blob", "params": params})
    [result] = refresh.refresh(store, access.CLI, months=[MONTH])
    assert not result.ok and says in str(result.problems[0])


def test_a_connection_string_in_settings_is_refused():
    text = "sources:\n  - {name: a, kind: azure-export-blob, params: {connection_string: 'AccountKey=x'}}\n"
    sources, errors = refresh.parse_sources(text)
    assert sources == [] and "secrets belong in .streamlit/secrets.toml" in errors[0]
