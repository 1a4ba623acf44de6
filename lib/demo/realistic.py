"""A realistic bill for evaluating anomaly detection and forecasts: the rhythms and noise real bills have.

The demo company is smooth by construction; this bill is not. For SEED it draws 16 teams in 4
departments, each with 5 services over 2 billing sub-accounts (prod, staging), for DAYS days:

- per-service noise from 2% (storage, Gaussian) to 25% (serverless, Student-t with 3 degrees of
  freedom, capped at 8 robust deviations: bursty), data transfer with rare 1.5-2.2x bursts on
  top (1% of days), and a team-wide AR(1) drift
  (busy weeks move every service of a team together);
- growth from -20% to +80% a year per team; team-specific weekend levels (30% to 100%);
- one team's batch job triples its compute on the last two days of every month, another's
  report job runs serverless at 2.5x on the 1st; public holidays (US) at 60% for the
  workload services; a monthly credit (not usage: never watched);
- the last day only half delivered (the refresh ran mid-day: lib.reports.freshness knows);
- (unless clean) eight injected anomalies of every kind, sized against the team's daily cost
  (what makes an anomaly matter): one-day spikes (one on a bursty service), a three-day spike,
  a level shift, a ramp, a new service, and a spike in one account hidden by a drop in the
  other account of the same team and service.

Daily amounts are drawn with numpy (a few thousand cells); the rows are written as a FOCUS
Parquet file by DuckDB and imported through the normal import path.

>>> bill = draw(seed=3, days=120, today=date(2026, 6, 30))
>>> len(bill.teams), len(bill.truth), bill.values.shape[1]
(16, 8, 120)
"""

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from lib.config.calendar import official
from lib.reports import rhythm

DAYS = 365
TEAMS = 16
DEPARTMENTS = ("engineering", "data", "product", "corporate")
# name, category, robust noise, Student-t degrees of freedom (0 = Gaussian), weekday-shaped, share of the team
SERVICES = (
    ("Amazon Simple Storage Service", "Storage", 0.02, 0, False, 0.15),
    ("Amazon Elastic Compute Cloud", "Compute", 0.06, 6, True, 0.45),
    ("Amazon Relational Database Service", "Databases", 0.04, 8, False, 0.2),
    ("AWS Data Transfer", "Networking", 0.15, 4, True, 0.08),
    ("AWS Lambda", "Compute", 0.25, 3, True, 0.12),
)
NEW_SERVICE = ("Amazon OpenSearch Service", "Analytics")
ACCOUNTS = ("prod", "staging")
HOLIDAY_LEVEL = 0.6
CAP = 8.0
KINDS = ("spike", "spike", "bursty_spike", "spike_3d", "level_shift", "ramp", "new_service", "hidden_spike")


@dataclass(frozen=True)
class Bill:
    first_day: date
    teams: tuple[tuple[str, str], ...]  # (team, department)
    cells: tuple[tuple[str, str, str], ...]  # (team, service, account) per row of values
    values: np.ndarray  # (cells x days) daily cost
    truth: tuple[tuple, ...]  # (kind, team, service, account, start, end, extra per day)


def _t_noise(rng, nu: int, size) -> np.ndarray:
    """Noise with a robust standard deviation of 1 (MAD-based), Student-t tails for nu > 0.

    Capped at CAP robust deviations up: quotas and concurrency limits bound an ordinary burst.
    """
    if nu == 0:
        return rng.standard_normal(size)
    scale = 1.4826 * np.median(np.abs(np.random.default_rng(0).standard_t(nu, 200_000)))
    return np.minimum(rng.standard_t(nu, size) / scale, CAP)


def _shape(rng, cal: rhythm.Days, holiday: np.ndarray, weekend: float, shaped: bool) -> np.ndarray:
    weekly = np.where(cal.weekday >= 5, weekend, 1.0) if shaped else np.ones(len(cal.weekday))
    return np.where(holiday & shaped, np.minimum(weekly, HOLIDAY_LEVEL), weekly)


def _cells(rng, cal: rhythm.Days, holiday: np.ndarray, teams) -> tuple[list, list]:
    cells, rows = [], []
    n = len(cal.weekday)
    for ti, (team, _) in enumerate(teams):
        size = float(rng.lognormal(np.log(2500), 0.8))
        growth = rng.uniform(-0.2, 0.8) * np.arange(n) / DAYS
        weekend = rng.uniform(0.3, 1.0)
        drift = np.zeros(n)
        for t in range(1, n):
            drift[t] = 0.5 * drift[t - 1] + rng.normal(0, 0.02)
        for name, _, noise, nu, shaped, share in SERVICES:
            accounts = ACCOUNTS if name in (SERVICES[0][0], SERVICES[1][0]) else ACCOUNTS[:1]
            for account in accounts:
                base = size * share * (0.7 if account == "prod" else 0.3 if len(accounts) > 1 else 1.0)
                level = base * (1 + growth) * np.exp(drift)
                y = level * _shape(rng, cal, holiday, weekend, shaped)
                if ti == 4 and name == SERVICES[1][0] and account == "prod":
                    y = y + np.where(cal.eom < 2, 2.0 * level, 0.0)  # the month-end batch: a job, weekend or not
                if ti == 8 and name == "AWS Lambda":
                    y = y + np.where(cal.dom == 1, 1.5 * level, 0.0)  # the report run on the 1st
                y = y * np.maximum(0.05, 1 + noise * _t_noise(rng, nu, n))
                if name == "AWS Data Transfer":
                    y = y * np.where(rng.random(n) < 0.01, rng.uniform(1.5, 2.2, n), 1.0)
                cells.append((team, name, account))
                rows.append(y)
    return cells, rows


def _inject(rng, cells: list, rows: list, teams, n: int) -> list[tuple]:
    """Add the anomalies to the rows (and a new cell); returns the truth."""
    truth = []
    picked = rng.choice(len(teams), size=len(KINDS), replace=False)
    for kind, ti in zip(KINDS, picked, strict=True):
        team = teams[ti][0]
        mine = [i for i, c in enumerate(cells) if c[0] == team]
        daily = float(sum(np.median(rows[i][:60]) for i in mine))
        start = int(rng.integers(min(120, n // 2), n - 50))
        service = {"bursty_spike": "AWS Lambda", "hidden_spike": SERVICES[1][0]}.get(kind, SERVICES[1][0])
        if kind in ("spike", "bursty_spike", "spike_3d"):
            days, extra = (3 if kind == "spike_3d" else 1), daily * rng.uniform(0.3, 0.8)
        elif kind == "level_shift":
            days, extra = n - start, daily * rng.uniform(0.2, 0.4)
        elif kind == "ramp":
            days, extra = int(rng.integers(30, 46)), daily * rng.uniform(0.5, 0.9)
        else:
            days, extra = n - start if kind == "new_service" else 5, daily * rng.uniform(0.25, 0.5)
        end = min(n - 1, start + days - 1)
        span = np.zeros(n)
        span[start:end + 1] = extra
        if kind == "ramp":
            span[start:end + 1] = extra * np.arange(1, end - start + 2) / (end - start + 1)
            span[end + 1:] = extra
        if kind == "new_service":
            service = NEW_SERVICE[0]
            cells.append((team, service, "prod"))
            rows.append(span * np.maximum(0.05, 1 + 0.05 * rng.standard_normal(n)))
        else:
            target = cells.index((team, service, "staging" if kind == "hidden_spike" else "prod"))
            rows[target] = rows[target] + span
            if kind == "hidden_spike":
                other = cells.index((team, service, "prod"))
                rows[other] = np.maximum(rows[other] * 0.1, rows[other] - span)
        account = "staging" if kind == "hidden_spike" else "prod"
        truth.append((kind, team, service, account, start, end, extra))
    return truth


def draw(seed: int, days: int = DAYS, today: date | None = None, clean: bool = False) -> Bill:
    """The bill of one seed (the clean variant has the same rhythms and noise, no anomalies)."""
    today = today or date.today()
    first = today - timedelta(days=days - 1)
    cal = rhythm.days_of(first, days)
    holiday = rhythm.holiday_mask(first, days, set().union(*(official("US", y) for y in range(first.year,
                                                                                          today.year + 1))))
    rng = np.random.default_rng(seed)
    teams = tuple((f"team-{i + 1:02d}", DEPARTMENTS[i % len(DEPARTMENTS)]) for i in range(TEAMS))
    cells, rows = _cells(rng, cal, holiday, teams)
    truth = [] if clean else _inject(np.random.default_rng(seed + 10_000), cells, rows, teams, days)
    values = np.array(rows)
    values[:, -1] *= 0.5  # the refresh ran mid-day: the last day is half delivered
    when = [(k, t, s, a, first + timedelta(days=b), first + timedelta(days=e), x) for k, t, s, a, b, e, x in truth]
    return Bill(first, teams, tuple(cells), values, tuple(when))


def org_yaml(bill: Bill) -> str:
    lines = ["departments:"] + [f"  - {{id: {d}, name: {d.title()}, heads: [head-{d}]}}" for d in DEPARTMENTS]
    lines += ["teams:"] + [f"  - {{id: {t}, name: {t.title()}, department: {d}, owners: [owner-{t}]}}"
                           for t, d in bill.teams]
    return "\n".join(lines) + "\n"


RULES_YAML = "rules:\n  - name: Team tag\n    match: {tags.team: \"*\"}\n    to: tag:team\n"


ROWS_SQL = """
select 'AWS' as ProviderName, 'AWS' as PublisherName, 'AWS' as InvoiceIssuerName, 'AWS' as ServiceProviderName,
       '900000000001' as BillingAccountId, 'Realistic Inc.' as BillingAccountName, 'USD' as BillingCurrency,
       'USD' as PricingCurrency, '7' || lpad(cast(hash(team || account) % 100000000000 as varchar), 11, '0')
         as SubAccountId, team || '-' || account as SubAccountName, 'Linked Account' as SubAccountType,
       cast(day as timestamp) as ChargePeriodStart, cast(day as timestamp) + interval 1 day as ChargePeriodEnd,
       cast(date_trunc('month', day) as timestamp) as BillingPeriodStart,
       cast(date_trunc('month', day) + interval 1 month as timestamp) as BillingPeriodEnd,
       category as ChargeCategory, if(category = 'Usage', 'Usage-Based', 'One-Time') as ChargeFrequency,
       service as ServiceName, service_category as ServiceCategory, 'us-east-1' as RegionId,
       team || '-' || account || '-' || service as ResourceId, json_object('team', team)::varchar as Tags,
       cast(cost as decimal(18, 6)) as BilledCost, cast(cost as decimal(18, 6)) as EffectiveCost,
       cast(cost as decimal(18, 6)) as ListCost, cast(cost as decimal(18, 6)) as ContractedCost
from bill
"""


def write(bill: Bill, path: Path) -> Path:
    """The bill as one FOCUS Parquet file (plus a monthly credit for the first team: never watched)."""
    import duckdb
    import pandas as pd

    n = bill.values.shape[1]
    categories = {s[0]: s[1] for s in SERVICES} | {NEW_SERVICE[0]: NEW_SERVICE[1]}
    frame = pd.DataFrame({
        "team": np.repeat([c[0] for c in bill.cells], n), "service": np.repeat([c[1] for c in bill.cells], n),
        "account": np.repeat([c[2] for c in bill.cells], n),
        "day": np.tile(np.datetime64(bill.first_day, "D") + np.arange(n), len(bill.cells)),
        "cost": np.round(bill.values.ravel(), 6), "category": "Usage"})
    frame = frame[frame.cost > 0]
    months = np.unique((np.datetime64(bill.first_day, "D") + np.arange(n)).astype("datetime64[M]"))
    credits = pd.DataFrame({"team": bill.teams[0][0], "service": SERVICES[1][0], "account": "prod",
                            "day": months.astype("datetime64[D]")[1:], "cost": -250.0, "category": "Credit"})
    bill_rows = pd.concat([frame, credits], ignore_index=True)
    bill_rows["service_category"] = bill_rows.service.map(categories)
    con = duckdb.connect()
    con.register("bill", bill_rows)
    con.execute(f"copy ({ROWS_SQL}) to '{str(path).replace(chr(39), chr(39) * 2)}' (format parquet)")
    return path


def build(store, seed: int, days: int = DAYS, clean: bool = False, today: date | None = None) -> Bill:
    """Save the bill's org and rules and import it into `store` (a fresh one); returns the bill."""
    from lib.config import versions
    from lib.core import access
    from lib.sources.files import import_files
    from lib.store.lake import new_duck

    bill = draw(seed, days, today, clean)
    assert versions.save_org(store, org_yaml(bill), access.CLI, "realistic bill")[1] == []
    assert versions.save_rules(store, RULES_YAML, access.CLI, "realistic bill")[1] == []
    path = write(bill, store.data_dir / f"realistic-{seed}.parquet")
    result = import_files(store, new_duck(), [str(path)], fmt="focus", actor=access.CLI.username, source="realistic")
    path.unlink()
    assert result.ok, [str(p) for p in result.problems]
    return bill
