"""Value checks of incoming charges beyond "readable": finite numbers, exact decimals, real currencies, sane dates.

lib.sources.ingest reads each column into its lake type; these checks say what a readable
value must also be, the same for text (CSV) and typed (Parquet) columns:

- a number is finite and fits DECIMAL(38,12): a Parquet DOUBLE of NaN, Infinity or 1e30 is
  refused, never read as a missing cost;
- an amount of money (AMOUNTS) has at most 12 decimal places: the lake keeps 12, and an amount
  that would be rounded to fit is refused, not rounded silently. Quantities and unit prices are
  rounded to 12 places (providers write quantities such as 0.000000083819032 GB); a DOUBLE is
  taken as the decimal it is closest to;
- BillingCurrency is an ISO 4217 code (lib.core.money.CURRENCIES);
- dates are sane: the billing period starts in 2000..2099 and lasts at most 32 days, a charge
  starts no more than CHARGE_EARLY_DAYS before its billing period (providers bill late usage in
  the next invoice month; time zones move starts by hours) and no later than a day after its
  end, and ends after it starts, within CHARGE_TERM_DAYS (a five-year commitment).

Each check is SQL over the raw view of one file (the columns it has, by FOCUS name).

>>> [c.column for c in checks({"BillingCurrency": "varchar"}, lambda name: f'"{name}"')]
['BillingCurrency']
"""

from dataclasses import dataclass

from lib.core import focus
from lib.core.money import CURRENCIES
from lib.core.problems import Problem
from lib.core.sql import identifier, literal_list

SCALE = 12
CHARGE_EARLY_DAYS = 31
CHARGE_LATE_DAYS = 1
BILLING_PERIOD_DAYS = 32
CHARGE_TERM_DAYS = 1830
RANGE = f"DECIMAL(38,{SCALE})"
AMOUNTS = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingCurrencyEffectiveCost")
DATES = ("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd")


@dataclass(frozen=True)
class Check:
    column: str
    bad: str  # SQL condition over the raw view: true when the row's value is refused
    reason: str  # SQL text expression: why (after "column: ")


def _number_checks(name: str, raw_type: str, expr: str) -> list[Check]:
    col = identifier(name)
    text = f"trim(cast({col} as varchar))"
    if raw_type != "varchar":
        out = [Check(name, f"({col} is not null and ({expr}) is null)",
                     f"'not a finite number within {RANGE}: ' || cast({col} as varchar)")]
        if raw_type.startswith("decimal") and name in AMOUNTS:
            out.append(Check(name, f"(({expr}) is not null and {col} <> ({expr}))",
                             f"'more than {SCALE} decimal places: ' || cast({col} as varchar)"))
        return out
    if name not in AMOUNTS:
        return []
    plain = f"regexp_matches({text}, '\\.[0-9]{{{SCALE}}}[0-9]*[1-9]') and not regexp_matches({text}, '[eE]')"
    exponent = f"regexp_matches({text}, '[eE]') and try_cast({text} as double) <> cast(({expr}) as double)"
    return [Check(name, f"(({expr}) is not null and (({plain}) or ({exponent})))",
                  f"'more than {SCALE} decimal places (the lake keeps {SCALE}; nothing is rounded): ' || {text}")]


def _date_checks(e) -> list[Check]:
    bps, bpe, cps, cpe = (e(n) for n in DATES)
    known = " and ".join(f"({x}) is not null" for x in (bps, bpe, cps, cpe))
    period = f"strftime({bps}, '%Y-%m-%d') || '..' || strftime({bpe}, '%Y-%m-%d')"
    return [
        Check("BillingPeriodStart", f"({bps} < timestamp '2000-01-01' or {bps} >= timestamp '2100-01-01')",
              f"'a billing period must start in 2000..2099, not ' || strftime({bps}, '%Y-%m-%d')"),
        Check("BillingPeriodEnd", f"({known} and ({bpe} <= {bps} or {bpe} > {bps} + interval {BILLING_PERIOD_DAYS} day))",
              f"'billing period ' || {period} || ' must end after it starts and last at most "
              f"{BILLING_PERIOD_DAYS} days'"),
        Check("ChargePeriodStart", f"({known} and ({cps} < {bps} - interval {CHARGE_EARLY_DAYS} day "
                                   f"or {cps} >= {bpe} + interval {CHARGE_LATE_DAYS} day))",
              f"'the charge starts ' || strftime({cps}, '%Y-%m-%d %H:%M') || ', outside its billing period ' || "
              f"{period} || ' (a charge may start up to {CHARGE_EARLY_DAYS} days before it)'"),
        Check("ChargePeriodEnd", f"({known} and ({cpe} < {cps} or {cpe} > {cps} + interval {CHARGE_TERM_DAYS} day))",
              f"'the charge ends ' || strftime({cpe}, '%Y-%m-%d %H:%M') || ', before it starts or more than "
              f"{CHARGE_TERM_DAYS} days after'"),
    ]


def checks(have: dict[str, str], expr) -> list[Check]:
    """The checks for a raw view with these columns ({FOCUS name: DuckDB type}); expr(name) is the
    SQL of a column read into its lake type (lib.sources.ingest)."""
    out = []
    for name, typ, _ in focus.COLUMNS:
        if name in have and typ.startswith("decimal"):
            out += _number_checks(name, have[name], expr(name))
    if "BillingCurrency" in have:
        code = f"nullif(trim(cast({identifier('BillingCurrency')} as varchar)), '')"
        out.append(Check("BillingCurrency", f"({code} is not null and not list_contains({literal_list(sorted(CURRENCIES))}, "
                                            f"{code}))", f"'not an ISO 4217 currency code: ' || {code}"))
    if all(d in have for d in DATES):
        out += _date_checks(expr)
    return out


def problems_sql(raw: str, found: list[Check], limit: int) -> str:
    """(row, 'Column: reason') of every refused value in the raw view, by row."""
    cases = ", ".join(f"case when {c.bad} then '{c.column}: ' || {c.reason} end" for c in found)
    return (f"select _row, unnest(bad) from (select _row, list_filter([{cases}], x -> x is not null) as bad "
            f"from {raw}) where len(bad) > 0 order by 1 limit {int(limit)}")


def mixed_currencies(parts: list) -> list[Problem]:
    """A billing account has one currency per period, across every file of the run."""
    groups: dict[tuple[str, str], list] = {}
    for part in parts:
        groups.setdefault((part.account, part.period), []).append(part)
    problems = []
    for (account, period), group in groups.items():
        currencies = sorted({c for part in group for c in part.currencies})
        if len(currencies) > 1:
            first = group[0]
            where = first if len(first.currencies) > 1 else next(p for p in group if p.currencies != first.currencies)
            problems.append(Problem(where.file, where.first_row, "BillingCurrency",
                                    f"billing account {account} has several currencies "
                                    f"({', '.join(currencies)}) in period {period}"))
    return problems
