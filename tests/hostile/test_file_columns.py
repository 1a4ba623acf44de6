"""Item 1: a billing file's column names are data, never SQL.

An attacker who can write to the billing bucket (or upload a file) names a column so that,
pasted into a query, it would run statements of their choosing: here, write a file. Every
way a file comes in (Upload, `import`, `refresh` from a folder or bucket) must refuse it with
a problem naming the column, run nothing, and leave the store as it was.
"""

import yaml

from lib.cli.main import main
from lib.core import access
from lib.core.sql import identifier, literal
from lib.sources import imports, refresh
from lib.store.lake import new_duck
from tests.hostile.conftest import bill, snapshot


def payload(target) -> str:
    """A header cell that closes the quoted identifier and copies a file where the attacker wants."""
    return f"x_Owned\" from read_csv('x'); copy (select 42 as pwned) to '{target}'; select \"x"


def test_crafted_header_through_upload_writes_nothing(served, tmp_path):
    target = tmp_path / "pwned.csv"
    before = snapshot(served)
    content = open(bill(tmp_path / "evil.csv", extra={payload(target): "1"}), "rb").read()
    result = imports.import_uploads(served, access.CLI, [("evil.csv", content)])
    assert not result.ok
    (problem,) = result.problems
    assert problem.file == "evil.csv" and problem.column.startswith("x_Owned\"")
    assert "custom column name must be x_ followed by letters" in problem.reason
    assert not target.exists()
    assert snapshot(served) == before


def test_crafted_header_through_the_import_verb_exits_2(served, tmp_path, capsys):
    target = tmp_path / "pwned.csv"
    before = snapshot(served)
    path = bill(tmp_path / "evil.csv", extra={payload(target): "1"})
    assert main(["--data-dir", str(served.data_dir), "import", path]) == 2
    err = capsys.readouterr().err
    assert "evil.csv, column x_Owned" in err and "Traceback" not in err
    assert not target.exists()
    assert snapshot(served) == before


def test_crafted_parquet_header_through_a_refresh_from_the_export_folder(served, tmp_path):
    target = tmp_path / "pwned.csv"
    drop = tmp_path / "exports" / "2026-10"
    drop.mkdir(parents=True)
    con = new_duck()
    con.execute(f"copy (select *, 1 as {identifier(payload(target))} from read_csv({literal(bill(tmp_path / 'a.csv'))}, "
                f"all_varchar = true)) to {literal(drop / 'bill.parquet')}")
    (served.data_dir / "settings.yaml").write_text(yaml.safe_dump(
        {"sources": [{"name": "bucket", "provider": "aws", "kind": "folder", "params": {"path": str(drop.parent)}}]}))
    before = snapshot(served)
    (result,) = refresh.refresh(served, access.CLI, months=["2026-10"])
    assert not result.ok
    assert [p.column[:8] for p in result.problems] == ['x_Owned"']
    assert not target.exists()
    assert snapshot(served) == before


def test_a_quote_in_a_custom_column_is_a_problem_not_a_traceback(served, tmp_path, capsys):
    before = snapshot(served)
    path = bill(tmp_path / "quote.csv", extra={'x_Net"Cost': "1"})
    assert main(["--data-dir", str(served.data_dir), "import", path]) == 2
    err = capsys.readouterr().err
    assert 'quote.csv, column x_Net"Cost: a custom column name must be x_' in err
    assert "Traceback" not in err
    assert snapshot(served) == before


def test_a_quote_in_a_column_focus_does_not_know_is_ignored_and_the_bill_imports(served, tmp_path):
    path = bill(tmp_path / "stray.csv", extra={'Billed"Cost': "999"})
    result = imports.import_paths(served, access.CLI, [path])
    assert result.ok, [str(p) for p in result.problems]
    assert result.totals["USD"]["billed"] == 7
