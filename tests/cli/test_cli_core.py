"""The command line as cron would run it: org, rules, totals, explain, with exit codes."""

import subprocess
import sys
from decimal import Decimal

from tests.bill import charge
from tests.conftest import ORG, RULES, load_bill
from tests.paths import ROOT


def cli(data_dir, *args):
    return subprocess.run([sys.executable, "-m", "lib", "--data-dir", str(data_dir), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_org_rules_totals_round_trip(store, tmp_path):
    (tmp_path / "org.yaml").write_text(ORG)
    (tmp_path / "rules.yaml").write_text(RULES)
    assert cli(store.data_dir, "org", "load", str(tmp_path / "org.yaml")).returncode == 0
    assert cli(store.data_dir, "rules", "load", str(tmp_path / "rules.yaml"), "--comment", "first").returncode == 0
    load_bill(store, tmp_path, [
        charge("web", "Amazon EC2", "0.005"), charge("web", "Amazon EC2", "0.005"),
        charge("search", "Amazon EC2", "10.004"), charge(None, "Amazon S3", "1.001"),
        charge(None, "AWS Support (Business)", "3.00"),
    ])
    out = cli(store.data_dir, "totals", "--month", "2026-10", "--by", "team")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "team,currency,amount"
    amounts = {line.split(",")[0]: Decimal(line.split(",")[2]) for line in lines[1:]}
    # the bill is 14.015 -> 14.02; the rows add up to exactly that
    assert sum(amounts.values()) == Decimal("14.02")
    assert amounts["Unallocated"] == Decimal("1.00")
    history = cli(store.data_dir, "rules", "history")
    assert history.stdout.splitlines()[1].endswith(",first")
    explain = cli(store.data_dir, "explain", "--team", "search", "--month", "2026-10")
    assert "Team tag" in explain.stdout and "Support" in explain.stdout


def test_bad_input_exits_2_with_one_line(store, tmp_path):
    (tmp_path / "rules.yaml").write_text("rules:\n  - {name: X, match: {service_name: EC2}, to: nobody}\n")
    out = cli(store.data_dir, "rules", "load", str(tmp_path / "rules.yaml"))
    assert out.returncode == 2
    assert "rule 'X', to: unknown team 'nobody'" in out.stderr and "nothing was saved" in out.stderr
    assert cli(store.data_dir, "totals", "--month", "2026-13").returncode == 2
    assert "no charges in 2026-09" in cli(store.data_dir, "totals", "--month", "2026-09").stderr
