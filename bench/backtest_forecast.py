"""Backtest of the month-end forecast on the demo company: MAPE of the forecast made on day 10 and day 20.

    python bench/backtest_forecast.py --data-dir /tmp/demo       # a store built by `python -m lib demo`

For every team and complete month with at least 8 weeks of history before it, the forecast is
made as lib.budgets.status makes it (daily spend up to the day, lib.reports.forecast.period_forecast) and
compared with the month's real total. A naive run rate (spend so far / days so far x days in the
month) is measured beside it. Prints one JSON line per forecast day.
"""

import argparse
import json
import sys
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DAILY_SQL = """
select team, BillingCurrency, ChargeDate, sum(effective)
from allocated where team <> 'Unallocated' and ChargeDate is not null group by all
"""


def month_end(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def errors_for(series: dict, cut_days: int, history: int = 98):
    """(forecast, naive, actual) month totals for each complete month of one team's daily series."""
    days = sorted(series)
    out, month = [], date(days[0].year, days[0].month, 1)
    while month_end(month) <= days[-1]:
        start, end = month, month_end(month)
        if (start - days[0]).days >= 56:
            cut = start + timedelta(days=cut_days - 1)
            first = cut - timedelta(days=history - 1)
            y = [float(series.get(first + timedelta(days=i), 0)) for i in range(history)]
            so_far = sum((series.get(start + timedelta(days=i), Decimal(0)) for i in range(cut_days)), Decimal(0))
            truth = sum((series.get(start + timedelta(days=i), Decimal(0)) for i in range((end - start).days)), Decimal(0))
            f = _forecast(y, so_far, (end - cut).days - 1, first.weekday())
            naive = float(so_far) / cut_days * (end - start).days
            if truth > 0:
                out.append((float(f.total), naive, float(truth), float(f.low), float(f.high)))
        month = end
    return out


def _forecast(y, so_far, horizon, weekday):
    from lib.reports.forecast import period_forecast
    return period_forecast(y, so_far, horizon, weekday)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", required=True)
    args = p.parse_args()
    from lib.allocation import cache
    from lib.store.lake import engine
    from lib.store.state import open_store

    store = open_store(args.data_dir)
    con = engine(store)
    cache.allocated_view(store, con)
    series = defaultdict(dict)
    for team, cur, day, amount in con.execute(DAILY_SQL).fetchall():
        series[(team, cur)][day] = amount
    for cut in (10, 20):
        rows = [r for s in series.values() for r in errors_for(s, cut)]
        f, naive, truth, low, high = (np.array(c) for c in zip(*rows, strict=True))
        print(json.dumps({"forecast_day": cut, "team_months": len(rows),
                          "mape_pct": round(float(np.mean(np.abs(f - truth) / truth)) * 100, 2),
                          "median_ape_pct": round(float(np.median(np.abs(f - truth) / truth)) * 100, 2),
                          "naive_run_rate_mape_pct": round(float(np.mean(np.abs(naive - truth) / truth)) * 100, 2),
                          "band_coverage_pct": round(float(np.mean((truth >= low) & (truth <= high))) * 100, 1)}),
              flush=True)


if __name__ == "__main__":
    main()
