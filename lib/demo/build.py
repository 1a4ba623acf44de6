"""The demo company: org, rules, budgets, 13 months of AWS, Azure and Google Cloud charges, and the
OpenCost data of its shared Kubernetes cluster (lib.demo.opencost).

The charges go through the same import path as real files: they are written as FOCUS
Parquet files and loaded with `import_files`, so building the demo again replaces the
demo's billing periods instead of adding to them. Known anomalies are injected (unless
`clean`) and listed in `<data_dir>/demo/anomalies_truth.csv` for evaluating the detector.

>>> result = build(open_store(tmp_path), seed=7, rows=20_000)        # doctest: +SKIP
>>> result.ok, result.periods[-1]                                    # doctest: +SKIP
(True, '2026-11')
"""

import csv
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from lib.budgets import budget
from lib.config import versions
from lib.core import access
from lib.demo import catalog, charges, config, opencost, periodic, pipeline
from lib.people import startup, users
from lib.sources import rates
from lib.sources.files import import_files
from lib.sources.ingest import IngestResult
from lib.sources.refresh import DEMO_SOURCE
from lib.store import audit
from lib.store.lake import new_duck
from lib.store.state import Store

DEFAULT_ROWS = 300_000
SOURCE = DEMO_SOURCE
TRUTH_HEADER = ("kind", "team", "service_name", "start_date", "end_date", "extra_daily_cost")


@dataclass(frozen=True)
class DemoResult:
    folder: Path  # where org.yaml, rules.yaml, budgets.csv and anomalies_truth.csv were written
    ingest: IngestResult
    problems: tuple[str, ...] = ()  # org, rules or budget problems (none expected)

    @property
    def ok(self) -> bool:
        return self.ingest.ok and not self.problems


def window(today: date) -> date:
    """First day of the 13-month window ending with today's month: 2026-11-27 -> 2025-11-01."""
    return date(today.year - 1, today.month, 1)


def _quiet(fraction: float, message: str) -> None:
    pass


def build(store: Store, seed: int = 7, rows: int = DEFAULT_ROWS, clean: bool = False, progress=None,
          today: date | None = None, threads: int | None = None) -> DemoResult:
    """Build (or rebuild) the demo company in `store`; progress(fraction, message) reports the steps."""
    access.require(access.CLI, "edit_config")
    progress = progress or _quiet
    today = today or datetime.now(timezone.utc).date()
    folder = store.data_dir / "demo"
    progress(0.0, "Writing the organization and allocation rules")
    problems = save_config(store, folder)
    con = new_duck(threads)
    charges.load_catalog(con, seed, window(today), today, rows, clean)
    with tempfile.TemporaryDirectory(dir=store.data_dir, prefix="demo-") as tmp:
        periodic_file = str(Path(tmp) / "demo_periodic.parquet")
        progress(0.1, f"Generating about {rows:,} charges")
        usage = charges.write_usage(con, str(Path(tmp) / "usage"))
        periodic.write(con, usage, periodic_file)
        progress(0.5, "Importing the charges")
        pipeline.add(store, today, rows)  # before the import, so that the run log stays in time order
        result = import_files(store, con, [*usage, periodic_file], fmt="focus", actor=access.CLI.username, source=SOURCE)
        progress(0.8, "Importing the shared cluster's OpenCost data")
        cluster = import_files(store, con, opencost.write_months(con, Path(tmp) / "opencost"), fmt="opencost",
                               actor=access.CLI.username, source=opencost.SOURCE)
        problems += [str(p) for p in cluster.problems]
    progress(0.9, "Writing budgets, demo users and the anomaly ground truth")
    problems += save_budgets(store, con, folder)
    (folder / "rates.csv").write_text(config.rates_csv(result.periods))
    problems += rates.load_rates(store, config.rates_csv(result.periods), access.CLI, "demo rates.csv")[1]
    users.create_demo_users(store)
    startup.set_demo_mode(store)
    write_truth(folder / "anomalies_truth.csv", [] if clean else charges.anomaly_rows(today))
    audit.record(store, access.CLI, "demo.build", SOURCE,
                 {"seed": seed, "rows": result.rows, "clean": clean, "periods": list(result.periods)})
    progress(1.0, f"Demo ready: {result.rows:,} charges")
    con.close()
    return DemoResult(folder, result, tuple(problems))


def save_config(store: Store, folder: Path) -> list[str]:
    """Save the demo org and rules as new versions and write them beside the data."""
    folder.mkdir(parents=True, exist_ok=True)
    org_text = config.org_yaml()
    (folder / "org.yaml").write_text(org_text)
    (folder / "rules.yaml").write_text(config.RULES_YAML)
    _, errors = versions.save_org(store, org_text, access.CLI, "demo")
    if errors:
        return errors
    _, errors = versions.save_rules(store, config.RULES_YAML, access.CLI, "demo rules")
    return errors


def save_budgets(store: Store, con, folder: Path) -> list[str]:
    """Write budgets.csv (team, month, amount, currency) and load it."""
    path = folder / "budgets.csv"
    with path.open("w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["team", "month", "amount", "currency"])
        out.writerows(config.budget_rows(con))
    _, problems = budget.load_budgets_csv(store, path, access.CLI)
    return [str(p) for p in problems]


def write_truth(path: Path, anomalies: list[tuple]) -> None:
    """The injected anomalies, one row each; a ramp's extra_daily_cost is the amount it reaches."""
    names = {s[0]: s[2] for s in catalog.SERVICES}
    with path.open("w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(TRUTH_HEADER)
        for kind, team, service, _account, start, end, extra, _drop in anomalies:
            out.writerow([kind, team, names[service], start.isoformat(), end.isoformat(), f"{extra:.2f}"])
