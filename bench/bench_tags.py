"""What promoted tag columns buy: import and allocation with and without them, as JSON lines.

    python bench/bench_tags.py --charges 10000000

One month of AWS charges for 200 teams (bench_statements.py's month) where every charge also
carries a unique `Name` tag, as per-resource tags make them in real exports: the Tags text is
nearly unique per charge. Two fresh stores import the same file: one with the rules saved
first (the import promotes their `team` key to a column), one with the rules saved after (the
files carry no promoted column, allocation reads the tag from the JSON). Then each allocates.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_statements import CHARGES_SQL, RULES, org_yaml  # noqa: E402

from lib.allocation import cache
from lib.config import versions
from lib.core import access
from lib.sources.files import import_files
from lib.store.lake import engine, new_duck
from lib.store.state import open_store

TEAM_TAG = """'{{"team": "team-' || (i % {teams}) || '"}}'"""
TEAM_AND_NAME = """'{{"team": "team-' || (i % {teams}) || '", "Name": "res-' || i || '"}}'"""


def emit(step: str, started: float, **extra) -> None:
    print(json.dumps({"step": step, "seconds": round(time.time() - started, 2),
                      "process_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                      **extra}), flush=True)


def run_case(path: Path, work: Path, teams: int, charges: int, promoted: bool) -> None:
    store = open_store(work)
    assert versions.save_org(store, org_yaml(teams), access.CLI, "setup")[1] == []
    if promoted:
        assert versions.save_rules(store, RULES, access.CLI, "setup")[1] == []
    started = time.time()
    assert import_files(store, new_duck(), [str(path)]).ok
    emit("import", started, promoted=promoted, charges=charges)
    if not promoted:
        assert versions.save_rules(store, RULES, access.CLI, "setup")[1] == []
    started = time.time()
    cache.allocated_view(store, engine(store))
    emit("allocate", started, promoted=promoted, charges=charges)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--charges", type=int, default=1_000_000)
    p.add_argument("--teams", type=int, default=200)
    p.add_argument("--case", choices=["json", "promoted"], help=argparse.SUPPRESS)
    p.add_argument("--file", help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.case:  # one case in its own process, so its peak memory is its own
        run_case(Path(args.file), Path(args.work), args.teams, args.charges, args.case == "promoted")
        return 0
    assert TEAM_TAG in CHARGES_SQL
    sql = CHARGES_SQL.replace(TEAM_TAG, TEAM_AND_NAME)
    with tempfile.TemporaryDirectory(prefix="bench-tags-") as tmp:
        path = Path(tmp) / "charges.parquet"
        new_duck().execute(sql.format(teams=args.teams, charges=args.charges, path=path))
        for case in ("json", "promoted"):
            subprocess.run([sys.executable, __file__, "--charges", str(args.charges), "--teams", str(args.teams),
                            "--case", case, "--file", str(path), "--work", str(Path(tmp) / case)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
