"""`python -m lib import` / `rates load`: summaries, exit codes, and bad input that changes nothing."""

import csv
import io
import json
from decimal import Decimal

import pytest

from lib.cli import main
from lib.sources import rates
from lib.store import audit
from lib.store.lake import engine, new_duck
from lib.store.state import state
from tests.sources.test_sources_normalizers import ACTUAL, AMORTIZED, AWS, FOCUS, rows


def run(store, capsys, *argv):
    code = main.main(["--data-dir", str(store.data_dir), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def count(store) -> int:
    return engine(store, new_duck()).execute("select count(*) from charges").fetchone()[0]


def test_import_prints_period_totals_and_records_the_run(store, capsys):
    code, out, err = run(store, capsys, "import", str(AWS))
    assert code == 0, err
    assert "imported 3 rows for 2023-06" in err
    assert list(csv.reader(io.StringIO(out))) == [["period", "currency", "billed", "effective"],
                                                   ["2023-06", "NOK", "30.000000000000", "0.300000000000"]]
    with state(store) as db:
        runs = db.execute("select source, outcome, rows, totals from ingest_runs").fetchall()
        actions = [r[0] for r in db.execute("select action from audit_log")]
    assert [(s, o, n) for s, o, n, _ in runs] == [("aws-cur", "ok", 3)]
    assert json.loads(runs[0][3])["NOK"]["billed"] == "30.000000000000"
    assert actions == ["import.file"] and audit.verify(store) == []


def test_import_twice_replaces_the_period_instead_of_adding(store, capsys):
    assert run(store, capsys, "import", str(ACTUAL), str(AMORTIZED))[0] == 0
    first = engine(store, new_duck()).execute("select sum(BilledCost), count(*) from charges").fetchone()
    assert run(store, capsys, "import", str(ACTUAL), str(AMORTIZED))[0] == 0
    assert engine(store, new_duck()).execute("select sum(BilledCost), count(*) from charges").fetchone() == first


def test_truncated_file_is_refused_and_previous_data_stays(store, capsys, tmp_path):
    assert run(store, capsys, "import", str(AWS))[0] == 0
    text = AWS.read_text()
    cut = tmp_path / "cur.csv"
    cut.write_text(text[: int(len(text) * 0.8)])
    code, out, err = run(store, capsys, "import", str(cut))
    assert code == 2 and out == ""
    assert "cur.csv" in err and "nothing was imported" in err
    assert count(store) == 3


@pytest.mark.parametrize("content, fmt, reason", [
    ("a,b,c\n1,2,3\n", "auto", "not a billing file Costbook recognizes"),
    (None, "aws-cur", "not an AWS Cost and Usage Report"),
    (None, "gcp-billing-export", "not a Google Cloud billing export"),
])
def test_unknown_layout_or_wrong_provider_is_named(store, capsys, tmp_path, content, fmt, reason):
    path = tmp_path / "bill.csv"
    path.write_bytes(content.encode() if content else ACTUAL.read_bytes())
    code, _, err = run(store, capsys, "import", str(path), "--format", fmt)
    assert code == 2 and reason in err and "bill.csv" in err
    assert count(store) == 0


def test_a_bad_amount_names_its_row_and_column(store, capsys, tmp_path):
    raw = rows(AWS)
    raw[1]["lineItem/UnblendedCost"] = "ten"
    path = tmp_path / "cur.csv"
    with path.open("w", newline="") as f:
        out = csv.DictWriter(f, fieldnames=list(raw[0]))
        out.writeheader()
        out.writerows(raw)
    code, _, err = run(store, capsys, "import", str(path))
    assert code == 2
    assert "cur.csv, row 3, column lineItem/UnblendedCost: not a number" in err
    assert count(store) == 0


def test_focus_file_with_an_unreadable_date_is_refused(store, capsys, tmp_path):
    raw = rows(FOCUS)[:5]
    raw[2]["ChargePeriodStart"] = "yesterday"
    path = tmp_path / "focus.csv"
    with path.open("w", newline="") as f:
        out = csv.DictWriter(f, fieldnames=list(raw[0]))
        out.writeheader()
        out.writerows(raw)
    code, _, err = run(store, capsys, "import", str(path))
    assert code == 2 and "row 4, column ChargePeriodStart" in err


def test_rates_load_and_convert_marks_converted_values(store, capsys, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text("date,from,to,rate\n2023-06-01,NOK,USD,0.09\n2023-06-30,NOK,USD,0.11\n")
    assert run(store, capsys, "rates", "load", str(path))[0] == 0
    table = rates.rates(store)
    assert table == {("2023-06", "NOK", "USD"): Decimal("0.1")}
    converted, missing = rates.convert([("2023-06", "NOK", Decimal("30")), ("2023-06", "USD", Decimal("2")),
                                           ("2023-07", "NOK", Decimal("5"))], "USD", table)
    assert [(c.amount, c.currency, c.rate) for c in converted] == [
        (Decimal("3.0"), "USD", Decimal("0.1")), (Decimal("2"), "USD", None), (Decimal("5"), "NOK", None)]
    assert missing == ["no NOK->USD rate for 2023-07: shown in NOK"]


def test_bad_rates_name_row_and_column_and_load_nothing(store, capsys, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text("month,from,to,rate\n2023-06,NOK,USD,0.1\n2023-07,nok,USD,-1\n")
    code, _, err = run(store, capsys, "rates", "load", str(path))
    assert code == 2
    assert "row 3, column from" in err and "row 3, column rate" in err
    assert rates.rates(store) == {}


def test_refresh_and_sources_verbs(store, capsys, tmp_path):
    import yaml

    drop = tmp_path / "drop" / "2023-06"
    drop.mkdir(parents=True)
    (drop / "cur.csv").write_bytes(AWS.read_bytes())
    (store.data_dir / "settings.yaml").write_text(yaml.safe_dump({"sources": [
        {"name": "drop", "provider": "aws", "kind": "folder", "params": {"path": str(tmp_path / "drop")}}]}))
    code, out, err = run(store, capsys, "refresh", "--month", "2023-06")
    assert code == 0, err
    assert out.splitlines() == ["source,period,currency,billed,effective",
                                "drop,2023-06,NOK,30.000000000000,0.300000000000"]
    code, out, err = run(store, capsys, "refresh", "--month", "2023-07")
    assert code == 2 and "no export files for 2023-07" in err and "previous data is still served" in err
    code, out, _ = run(store, capsys, "sources")
    assert out.splitlines()[1].startswith("drop,aws,folder,") and out.splitlines()[1].endswith(",2023-06,failed")
    assert count(store) == 3
    assert run(store, capsys, "refresh", "--month", "June")[0] == 2
