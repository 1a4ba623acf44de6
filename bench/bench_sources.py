"""Normalize and ingest a generated AWS CUR 2.0 Parquet export: one JSON line per step on stdout.

    python bench/bench_sources.py                         # 1M line items
    python bench/bench_sources.py --rows 1000000 10000000 --work /tmp/bench_sources

Steps, each in its own process so its peak memory (ru_maxrss) is its own:
  generate   DuckDB writes a CUR 2.0-shaped Parquet file (Athena snake_case names, a
             `resource_tags` MAP, Savings Plan covered usage, 40 accounts, 60 services, 1 month)
  import     lib.sources.files.import_files(..., "aws-cur"): sniff, normalize (SQL), check, write the lake
A line: {"step", "rows", "seconds", "cpu_seconds", "peak_rss_mb", "load_avg"}.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GENERATE = """
copy (
  select
    '123456789012' as bill_payer_account_id,
    'Acme Payer' as bill_payer_account_name,
    lpad(cast(100000000000 + i % 40 as varchar), 12, '0') as line_item_usage_account_id,
    'account-' || (i % 40) as line_item_usage_account_name,
    'USD' as line_item_currency_code,
    timestamp '2026-06-01' as bill_billing_period_start_date,
    timestamp '2026-07-01' as bill_billing_period_end_date,
    timestamp '2026-06-01' + to_hours(i % 720) as line_item_usage_start_date,
    timestamp '2026-06-01' + to_hours(i % 720 + 1) as line_item_usage_end_date,
    case when i % 10 = 0 then 'SavingsPlanCoveredUsage' else 'Usage' end as line_item_line_item_type,
    'Amazon' || (i % 60) as line_item_product_code,
    'Amazon Service ' || (i % 60) as product_product_name,
    round(((i * 7919) % 100000) / 1000.0, 6) as line_item_unblended_cost,
    round(((i * 7919) % 100000) / 1000.0 * 0.7, 6) as savings_plan_savings_plan_effective_cost,
    round(((i * 7919) % 100000) / 1000.0 * 1.1, 6) as pricing_public_on_demand_cost,
    1.0 as line_item_usage_amount,
    'Hrs' as pricing_unit,
    'us-east-' || (1 + i % 2) as product_region_code,
    'i-' || (i % 50000) as line_item_resource_id,
    map {'user_team': 'team-' || (i % 25), 'user_env': case when i % 3 = 0 then 'prod' else 'dev' end}
      as resource_tags
  from range(?) t(i)
) to '{path}' (format parquet, compression zstd)
"""


def measure(step: str, rows: int, started: float, cpu0: float) -> dict:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"step": step, "rows": rows, "seconds": round(time.time() - started, 2),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime - cpu0, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024), "load_avg": round(os.getloadavg()[0], 1)}


def step_generate(work: Path, rows: int) -> dict:
    from lib.store.lake import new_duck

    started, cpu0 = time.time(), time.process_time()
    new_duck().execute(GENERATE.replace("{path}", str(work / "cur.parquet")), [rows])
    return measure("generate", rows, started, cpu0)


def step_import(work: Path, rows: int) -> dict:
    from lib.sources.files import import_files
    from lib.store.lake import new_duck
    from lib.store.state import open_store

    started, cpu0 = time.time(), time.process_time()
    result = import_files(open_store(work / "data"), new_duck(), [str(work / "cur.parquet")], "aws-cur")
    assert result.ok and result.rows == rows, result.problems
    return measure("import", rows, started, cpu0)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    p.add_argument("--work", default=None)
    p.add_argument("--step", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.step:
        work = Path(args.work)
        work.mkdir(parents=True, exist_ok=True)
        print(json.dumps({"generate": step_generate, "import": step_import}[args.step](work, args.rows[0])))
        return
    base = Path(args.work or tempfile.mkdtemp(prefix="bench_sources_"))
    for rows in args.rows:
        for step in ("generate", "import"):
            out = subprocess.run([sys.executable, __file__, "--step", step, "--rows", str(rows), "--work",
                                  str(base / f"rows-{rows}")], capture_output=True, text=True, check=True)
            print(out.stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
