"""The one quoting helper, through DuckDB itself: what goes in comes back, whatever the text."""

import subprocess
import sys

import pytest

from lib.core.sql import identifier, literal, literal_list
from lib.store.lake import new_duck
from tests.bill import charge, write_bill
from tests.paths import ROOT

NASTY = ["plain", "o'brien", "back\\slash", "new\nline", 'double"quote', "ünïcødé €", "'; drop table x; --",
         "\"); select 1; --", "tab\there"]


@pytest.mark.parametrize("text", NASTY)
def test_literals_and_identifiers_round_trip(text):
    con = new_duck()
    assert con.execute(f"select {literal(text)}").fetchone()[0] == text
    con.execute(f"create table t ({identifier(text)} integer)")
    assert [r[0] for r in con.execute("describe t").fetchall()] == [text]
    assert con.execute(f"select {literal_list([text, 'x'])}").fetchone()[0] == [text, "x"]


def test_a_nul_character_is_refused():
    with pytest.raises(ValueError):
        literal("a\x00b")
    with pytest.raises(ValueError):
        identifier("a\x00b")


def test_a_data_folder_with_quotes_in_its_path_imports_allocates_and_totals(tmp_path):
    """COPY ... TO and read_parquet paths go through the helper: an apostrophe in the path is just a path."""
    data = tmp_path / "o'brien's \"costs\"" / "data"
    bill = write_bill(tmp_path / "bill.csv", [charge("web", "Amazon EC2", "7.25"), charge(None, "Tax", "0.75")])

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "lib", "--data-dir", str(data), *args], cwd=ROOT,
                              capture_output=True, text=True)

    assert cli("import", bill).returncode == 0
    out = cli("totals", "--month", "2026-10", "--by", "provider")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["provider,currency,amount", "AWS,USD,8.00"]
