"""Item 7: the same input never counts twice; a restated period still replaces the old one.

Two uploads that happened to share a file name ($100 and $7, different accounts) used to import
as $14 (the second overwrote the first, then counted twice); the same path given twice to
`import` counted twice; the same bill imported by hand and pulled again by a configured source
counted twice. Content hashes (SHA-256) catch each case.
"""

from decimal import Decimal
from pathlib import Path

import yaml

from lib.cli.main import main
from lib.core import access
from lib.sources import digests, imports, refresh
from lib.store.state import state
from tests.bill import charge
from tests.hostile.conftest import bill, snapshot


def billed(store) -> Decimal:
    return sum((t[1] for t in snapshot(store)["totals"]), Decimal(0))


def test_two_uploads_with_the_same_name_both_count(served, tmp_path):
    a = Path(bill(tmp_path / "a.csv", [charge("web", "Amazon EC2", "100.00", BillingAccountId="payer-2")])).read_bytes()
    b = Path(bill(tmp_path / "b.csv", [charge("web", "Amazon EC2", "7.00", BillingAccountId="payer-3")])).read_bytes()
    result = imports.import_uploads(served, access.CLI, [("bill.csv", a), ("bill.csv", b)])
    assert result.ok and result.totals["USD"]["billed"] == Decimal("107")
    assert billed(served) == Decimal("257")  # the $150 served before, plus both uploads


def test_the_same_path_twice_is_refused_naming_it(served, tmp_path, capsys):
    before = snapshot(served)
    path = bill(tmp_path / "bill.csv")
    assert main(["--data-dir", str(served.data_dir), "import", path, path]) == 2
    assert "bill.csv: the same content as bill.csv (SHA-256 " in capsys.readouterr().err
    assert snapshot(served) == before


def test_the_same_bytes_under_two_names_are_refused(served, tmp_path):
    before = snapshot(served)
    one = bill(tmp_path / "october.csv")
    other = tmp_path / "october-copy.csv"
    other.write_bytes(Path(one).read_bytes())
    result = imports.import_paths(served, access.CLI, [one, str(other)])
    assert [str(p) for p in result.problems] == [
        f"october-copy.csv: the same content as october.csv (SHA-256 {digests.digest(one)[:12]}): "
        "given twice in one import it would be counted twice; give it once"]
    assert snapshot(served) == before


def test_a_byte_identical_reimport_is_a_clear_no_op(served, tmp_path, capsys):
    path = bill(tmp_path / "bill.csv")
    assert main(["--data-dir", str(served.data_dir), "import", path]) == 0
    before = snapshot(served)
    capsys.readouterr()
    assert main(["--data-dir", str(served.data_dir), "import", path]) == 0
    assert "unchanged: 2026-10 already served from exactly this content (run 2); nothing was imported" in \
        capsys.readouterr().err
    assert snapshot(served) == before
    with state(served) as db:
        assert db.execute("select outcome, rows, label from ingest_runs order by id desc limit 1").fetchone()[:] == \
            ("ok", 1, "bill.csv (unchanged: as run 2)")


def test_a_restated_period_replaces_the_old_numbers(served, tmp_path):
    first = bill(tmp_path / "v1.csv", [charge("web", "Amazon EC2", "7.00", BillingAccountId="payer-2")])
    assert imports.import_paths(served, access.CLI, [first]).ok
    restated = bill(tmp_path / "v2.csv", [charge("web", "Amazon EC2", "9.50", BillingAccountId="payer-2")])
    result = imports.import_paths(served, access.CLI, [restated])
    assert result.ok and result.unchanged is None
    assert billed(served) == Decimal("159.50")  # $150 + the restated $9.50, not + $7 + $9.50
    assert imports.import_paths(served, access.CLI, [first]).unchanged is None  # going back is a change too
    assert billed(served) == Decimal("157")


def test_a_bill_already_imported_is_refused_when_a_source_pulls_it_again(served, tmp_path):
    drop = tmp_path / "bucket" / "2026-10"
    drop.mkdir(parents=True)
    path = bill(tmp_path / "bill.csv")
    assert imports.import_paths(served, access.CLI, [path]).ok
    (drop / "bill.csv").write_bytes(Path(path).read_bytes())
    (served.data_dir / "settings.yaml").write_text(yaml.safe_dump(
        {"sources": [{"name": "bucket", "provider": "aws", "kind": "folder", "params": {"path": str(drop.parent)}}]}))
    before = snapshot(served)
    (result,) = refresh.refresh(served, access.CLI, months=["2026-10"])
    assert not result.ok
    assert [p.reason for p in result.problems] == [
        "the same content is already imported as source 'focus' (run 2) for billing account payer-2, period 2026-10; "
        "importing it as 'bucket' would count it twice"]
    assert snapshot(served) == before
