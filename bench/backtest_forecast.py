"""Backtest of the month-end forecast: MAPE and band coverage of the forecast made on day 10 and day 20.

    python bench/backtest_forecast.py --data-dir /tmp/demo       # a store built by `python -m lib demo`
    python bench/backtest_forecast.py --realistic 1-20           # realistic bills (lib/demo/realistic.py)

For every team and complete month with at least 8 weeks of history before it, the forecast is
made through the same wiring the Budgets page and the Overview use (lib.reports.forecast.
forecast_period: daily spend up to the day, the US holiday calendar) and compared with the
month's real total. A naive run rate (spend so far / days so far x days in the month) is
measured beside it. Prints one JSON line per forecast day: MAPE, median APE, the run rate's
MAPE, and how often the real total fell inside the 80% band.
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

from lib.config.calendar import Calendar  # noqa: E402
from lib.reports.forecast import forecast_period  # noqa: E402

DAILY_SQL = """
select team, BillingCurrency, ChargeDate, sum(effective)
from allocated where team <> 'Unallocated' and ChargeDate is not null group by all
"""
CALENDAR = Calendar("US")


def month_end(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def errors_for(series: dict, cut_days: int, team: str = ""):
    """(forecast, naive, actual, low, high) month totals for each complete month of one team's daily series."""
    days = sorted(series)
    out, month = [], date(days[0].year, days[0].month, 1)
    while month_end(month) <= days[-1]:
        start, end = month, month_end(month)
        if (start - days[0]).days >= 56:
            as_of = start + timedelta(days=cut_days - 1)
            so_far = sum((series.get(start + timedelta(days=i), Decimal(0)) for i in range(cut_days)), Decimal(0))
            truth = sum((series.get(start + timedelta(days=i), Decimal(0)) for i in range((end - start).days)),
                        Decimal(0))
            known = {d: v for d, v in series.items() if d <= as_of}
            f = forecast_period(known, so_far, start, end, as_of, CALENDAR.days(team, as_of - timedelta(400), end))
            naive = float(so_far) / cut_days * (end - start).days
            if truth > 0:
                out.append((float(f.total), naive, float(truth), float(f.low), float(f.high)))
        month = end
    return out


def report(series: dict, label: dict) -> None:
    for cut in (10, 20):
        rows = [r for key, s in series.items() for r in errors_for(s, cut, key[0])]
        f, naive, truth, low, high = (np.array(c) for c in zip(*rows, strict=True))
        print(json.dumps({**label, "forecast_day": cut, "team_months": len(rows),
                          "mape_pct": round(float(np.mean(np.abs(f - truth) / truth)) * 100, 2),
                          "median_ape_pct": round(float(np.median(np.abs(f - truth) / truth)) * 100, 2),
                          "naive_run_rate_mape_pct": round(float(np.mean(np.abs(naive - truth) / truth)) * 100, 2),
                          "band_coverage_pct": round(float(np.mean((truth >= low) & (truth <= high))) * 100, 1)}),
              flush=True)


def realistic_series(seeds: list[int]) -> dict:
    from lib.demo import realistic

    out = {}
    for seed in seeds:
        bill = realistic.draw(seed)
        n = bill.values.shape[1] - 1  # the last day is half delivered: it never closes a month here
        for team, _ in bill.teams:
            total = bill.values[[i for i, c in enumerate(bill.cells) if c[0] == team], :n].sum(axis=0)
            out[(team, seed)] = {bill.first_day + timedelta(days=i): Decimal(repr(round(float(v), 2)))
                                 for i, v in enumerate(total)}
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir")
    p.add_argument("--realistic", help="seeds of realistic bills, like 1-20")
    args = p.parse_args()
    if args.realistic:
        a, _, b = args.realistic.partition("-")
        report(realistic_series(list(range(int(a), int(b or a) + 1))), {"bill": "realistic", "seeds": args.realistic})
        return
    from lib.allocation import cache
    from lib.store.lake import engine
    from lib.store.state import open_store

    store = open_store(args.data_dir)
    con = engine(store)
    cache.allocated_view(store, con)
    series = defaultdict(dict)
    for team, cur, day, amount in con.execute(DAILY_SQL).fetchall():
        series[(team, cur)][day] = amount
    report(series, {"bill": "demo", "data_dir": args.data_dir})


if __name__ == "__main__":
    main()
