"""Long jobs report progress through one callback; the command line draws it as a bar on a terminal only."""

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios

import pytest
import yaml

from lib.allocation import cache
from lib.core import access
from lib.month_end import statement_files
from lib.sources import imports, refresh
from lib.store.lake import engine, new_duck
from tests.bill import charge, write_bill
from tests.conftest import load_bill
from tests.paths import ROOT
from tests.sources.test_sources_normalizers import AWS


def recorder():
    seen = []
    return seen, lambda fraction, message: seen.append((fraction, message))


def assert_climbs_to_one(seen):
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0) and all(0 <= f <= 1 for f in fractions)
    assert all(isinstance(m, str) and m for _, m in seen)


def test_import_allocate_statements_and_refresh_report_progress(configured, tmp_path):
    rows = [charge(team, "Amazon EC2", "10.00", day=f"2026-{m}-05") for team in ("web", "search") for m in ("09", "10")]
    seen, progress = recorder()
    result = imports.import_paths(configured, access.CLI, [write_bill(tmp_path / "bill.csv", rows)], progress=progress)
    assert result.ok and "checked bill.csv" in [m for _, m in seen] and seen[-1][1].startswith("swapped in 4 charges")
    assert_climbs_to_one(seen)

    seen, progress = recorder()
    con = engine(configured, new_duck())
    cache.allocated_view(configured, con, progress=progress)
    assert [m for _, m in seen] == ["2026-09 allocated", "2026-10 allocated"]
    assert_climbs_to_one(seen)

    seen, progress = recorder()
    data, problems = statement_files.zip_period(configured, con, access.CLI, "2026-10", progress=progress)
    assert problems == [] and data
    assert [m for _, m in seen][1:] == ["PDF 1 of 2: Web", "PDF 2 of 2: Search", "CSV 1 of 2: Web", "CSV 2 of 2: Search"]
    assert_climbs_to_one(seen)

    folder = tmp_path / "drop" / "2023-06"
    folder.mkdir(parents=True)
    (folder / "cur.csv").write_bytes(AWS.read_bytes())
    (configured.data_dir / "settings.yaml").write_text(yaml.safe_dump({"sources": [
        {"name": "drop", "provider": "aws", "kind": "folder", "params": {"path": str(tmp_path / "drop")}}]}))
    seen, progress = recorder()
    [done] = refresh.refresh(configured, access.CLI, months=["2023-06"], progress=progress)
    assert done.ok and seen[0][1] == "drop: reading 1 file(s)"
    assert_climbs_to_one(seen)


def test_the_focus_export_reports_each_period_then_the_rows_written(configured, tmp_path):
    from lib.reports import focus_export

    load_bill(configured, tmp_path, [charge("web", "Amazon EC2", "10.00", day=f"2026-{m}-05") for m in ("09", "10")])
    seen, progress = recorder()
    result, problems = focus_export.export(configured, engine(configured, new_duck()), access.CLI,
                                           str(tmp_path / "bill.parquet"), None, "1.3", "parquet", True, progress)
    assert problems == [] and result.rows == 2
    assert [m for _, m in seen] == ["2026-09: allocation decisions made", "2026-10: allocation decisions made",
                                    "writing the allocated bill of 2 period(s)", "wrote 2 rows"]
    assert_climbs_to_one(seen)


def test_promoting_tags_reports_progress(configured, tmp_path):
    load_bill(configured, tmp_path, [charge("web", "Amazon EC2", "10.00", tags={"owner": "wes"})])
    from lib.config import versions
    from tests.conftest import RULES

    owner_rule = RULES + "  - name: Owners\n    match: {tags.owner: '*'}\n    to: web\n"
    assert versions.save_rules(configured, owner_rule, access.CLI, "owners")[1] == []
    seen, progress = recorder()
    [result] = imports.promote_tags(configured, access.CLI, progress)
    assert result.ok
    assert_climbs_to_one(seen)


def cli(args: list[str], terminal: bool) -> str:
    """Run the CLI; its stderr a terminal (a pseudo-terminal 120 columns wide) or a pipe. Returns stderr."""
    command = [sys.executable, "-m", "lib", *args]
    if not terminal:
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300).stderr
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=60)
    os.close(master)
    return out.decode(errors="replace")


def test_the_cli_draws_a_bar_on_a_terminal_only(tmp_path):
    data = str(tmp_path / "data")
    drawn = cli(["--data-dir", data, "demo", "--rows", "2000"], terminal=True)
    assert "demo" in drawn and "%|" in drawn and "Importing the charges" in drawn and "demo written to" in drawn
    for args in (["--data-dir", data, "--quiet", "allocate"], ["--data-dir", data, "allocate", "--quiet"]):
        assert "%|" not in cli(args, terminal=True)  # --quiet, before or after the verb
    piped = cli(["--data-dir", str(tmp_path / "other"), "demo", "--rows", "2000"], terminal=False)
    assert "%|" not in piped and "\r" not in piped and "demo written to" in piped  # cron: results, no bar
