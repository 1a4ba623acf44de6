"""FOCUS out: the normalized charges, or the allocated bill, as a FOCUS 1.2 or 1.3 file (CSV or Parquet).

One DuckDB COPY from one query, so it streams in constant memory at any size. The FOCUS columns
of the version come first, in the specification's order, then the providers' own `x_` columns
under their names, then Costbook's (`x_Costbook…`). Amounts keep the lake's 12 decimals, times are
UTC ('YYYY-MM-DDTHH:mm:ssZ' in CSV, timestamps with time zone in Parquet), null is an empty CSV
field. CSV text cells a spreadsheet would run get a leading apostrophe, like every Costbook CSV
(lib.core.exports); Parquet keeps every value as it is. Where a provider leaves a FOCUS column empty that may not be, the value FOCUS defines is
written: ListCost and ContractedCost are the BilledCost of a charge without unit prices,
PublisherName and InvoiceIssuerName the provider, ServiceCategory 'Other', ServiceSubcategory
'Other (<category>)', PricingCurrency the billing currency with its prices (1.3: ServiceProviderName
and HostProviderName the provider). Values FOCUS 1.2 says must be null, which older files carry, are
left out: usage quantities on charges that are not usage, region and resource names without ids.

`allocated`: one row per team share of every charge (lib.reports.focus_allocated), summable metrics
split by the share so the rows of a charge add up to it exactly; in 1.3 AllocatedMethodId names the
rule and rules version, AllocatedMethodDetails carries the row's AllocatedRatio, AllocatedResourceId/
Name the team and AllocatedTags {"costbook/team", "costbook/department"}.

>>> exported, problems = export(store, con, user, "bill.parquet", month="2026-10", fmt="parquet")  # doctest: +SKIP
"""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lib.allocation import cache
from lib.allocation.per_charge import split_amount
from lib.config.org import UNALLOCATED
from lib.core import access, focus, focus_versions, periods
from lib.core.exports import safe_sql
from lib.core.progress import Progress, each, portion
from lib.core.sql import identifier, literal
from lib.reports.focus_allocated import NotAllocated, allocated_rows
from lib.store import audit
from lib.store.lake import lake_source
from lib.store.state import Store, active_files

VERSIONS = ("1.2", "1.3")
FORMATS = ("csv", "parquet")
CATEGORIES = ", ".join(map(literal, focus_versions.SERVICE_CATEGORIES))
TIMES = "%Y-%m-%dT%H:%M:%SZ"  # FOCUS date/time in CSV (the lake's timestamps are UTC)
SAME_CURRENCY = "coalesce(PricingCurrency, BillingCurrency) = BillingCurrency"
MEASURED = "ChargeCategory = 'Usage' and CommitmentDiscountStatus is distinct from 'Unused'"
FILLS = {
    "ListCost": "coalesce(ListCost, BilledCost)",
    "ContractedCost": "coalesce(ContractedCost, BilledCost)",
    "PublisherName": "coalesce(PublisherName, ProviderName)",
    "InvoiceIssuerName": "coalesce(InvoiceIssuerName, ProviderName)",
    "ServiceCategory": "coalesce(ServiceCategory, 'Other')",
    "ServiceSubcategory": f"coalesce(ServiceSubcategory, case when coalesce(ServiceCategory, 'Other') in "
                          f"({CATEGORIES}) then 'Other (' || coalesce(ServiceCategory, 'Other') || ')' end)",
    "PricingCurrency": "coalesce(PricingCurrency, BillingCurrency)",
    "PricingCurrencyEffectiveCost": f"case when {SAME_CURRENCY} then coalesce(PricingCurrencyEffectiveCost, "
                                    "EffectiveCost) else PricingCurrencyEffectiveCost end",
    "PricingCurrencyListUnitPrice": f"case when {SAME_CURRENCY} then coalesce(PricingCurrencyListUnitPrice, "
                                    "ListUnitPrice) else PricingCurrencyListUnitPrice end",
    "PricingCurrencyContractedUnitPrice": f"case when {SAME_CURRENCY} then coalesce("
                                          "PricingCurrencyContractedUnitPrice, ContractedUnitPrice) "
                                          "else PricingCurrencyContractedUnitPrice end",
    "ServiceProviderName": "coalesce(ServiceProviderName, ProviderName)",
    "HostProviderName": "coalesce(HostProviderName, ProviderName)",
    # Values the 1.2 rules say must be null (older files carry them): no usage measured on a charge that is
    # not usage or on an unused commitment; no region or resource names without their ids.
    "ConsumedQuantity": f"case when {MEASURED} then ConsumedQuantity end",
    "ConsumedUnit": f"case when {MEASURED} then ConsumedUnit end",
    "RegionName": "case when RegionId is not null then RegionName end",
    "ResourceName": "case when ResourceId is not null then ResourceName end",
    "ResourceType": "case when ResourceId is not null then ResourceType end",
}
SUMMABLE = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingCurrencyEffectiveCost",
            "ConsumedQuantity", "PricingQuantity", "CommitmentDiscountQuantity")
SHARED = f"team <> '{UNALLOCATED}'"
RATIO = "rtrim(rtrim(cast(share as varchar), '0'), '.')"
ALLOCATION = {  # FOCUS 1.3 split-cost columns of the allocated bill (null where no rule gave the charge a team)
    "AllocatedMethodId": f"case when {SHARED} then 'costbook/rules-v' || rules_version || '/' || rule end",
    "AllocatedMethodDetails": f"case when {SHARED} then '{{\"Elements\":[{{\"AllocatedRatio\":' || {RATIO} || "
                              f"'}}],\"x_Rule\":' || to_json(rule) || ',\"x_RulesVersion\":' || rules_version || '}}' end",
    "AllocatedResourceId": f"case when {SHARED} then team end",
    "AllocatedResourceName": f"case when {SHARED} then coalesce(_team_name, team) end",
    "AllocatedTags": "_team_tags",  # lib.reports.focus_allocated.team_tags: none for Unallocated
}
COSTBOOK = {"x_CostbookSource": "x_Source"}
TEXT = ("x_CostbookSource", "x_CostbookTeam", "x_CostbookTeamName", "x_CostbookDepartment", "x_CostbookCostCenter",
        "x_CostbookRule", "x_CostbookUnallocatedReason")
COSTBOOK_ALLOCATED = {
    "x_CostbookChargeId": "_charge_id", "x_CostbookTeam": "team", "x_CostbookTeamName": "_team_name",
    "x_CostbookDepartment": "department", "x_CostbookCostCenter": "_cost_center", "x_CostbookRule": "rule",
    "x_CostbookRulesVersion": "rules_version", "x_CostbookShare": "share", "x_CostbookUnallocatedReason": "reason",
}


@dataclass(frozen=True)
class Exported:
    path: str
    rows: int
    version: str
    fmt: str
    allocated: bool
    periods: tuple[str, ...]


def _focus_column(name: str, fmt: str, allocated: bool) -> str:
    expr = FILLS.get(name, name)
    if allocated:
        expr = ALLOCATION.get(name, expr)
        expr = split_amount(expr) if name in SUMMABLE else expr
    if focus.COLUMN_TYPES.get(name) == "timestamp":  # CSV: the writer formats them (TIMES below)
        expr = expr if fmt == "csv" else f"timezone('UTC', {expr})"
    elif focus.COLUMN_TYPES.get(name) == "varchar" and fmt == "csv":
        expr = safe_sql(expr)
    return f"{expr} as {name}"


def extras(con, source: str, params: list | None = None) -> list[str]:
    """The providers' x_ column names found in the rows (each name once, whatever its case)."""
    names = con.execute(f"select distinct unnest(json_keys(x_ProviderExtras)) from {source} "
                        "where x_ProviderExtras is not null order by 1", params or []).fetchall()
    own = {n.lower() for n in (*COSTBOOK, *COSTBOOK_ALLOCATED)}
    seen: dict[str, str] = {}
    for (name,) in names:
        if name.startswith("x_") and '"' not in name and name.lower() not in own:
            seen.setdefault(name.lower(), name)
    return list(seen.values())


def _extra(name: str) -> str:
    """A provider's x_ column, from the JSON object the lake keeps them in."""
    path = '$."' + name + '"'
    return f"json_extract_string(x_ProviderExtras, {literal(path)})"


def select_list(version: str, fmt: str, allocated: bool, provider_extras: list[str]) -> str:
    """The export's columns: the version's FOCUS columns, the providers' x_ columns, Costbook's."""
    cols = [_focus_column(name, fmt, allocated) for name in focus_versions.columns(version)]
    text = safe_sql if fmt == "csv" else str
    cols += [f"{text(_extra(n))} as {identifier(n)}" for n in provider_extras]
    own = {**COSTBOOK, **(COSTBOOK_ALLOCATED if allocated else {})}
    return ", ".join(cols + [f"{text(expr) if name in TEXT else expr} as {name}" for name, expr in own.items()])


def check(out: str, month: str | None, version: str, fmt: str) -> list[str]:
    problems = [periods.period_problem(month, "--month")] if month is not None and not periods.is_period(month) else []
    if version not in VERSIONS:
        problems.append(f"FOCUS version {version!r} cannot be exported; choose {' or '.join(VERSIONS)}")
    if fmt not in FORMATS:
        problems.append(f"format {fmt!r}: choose csv or parquet")
    if not Path(out).parent.is_dir():
        problems.append(f"cannot write {out}: no folder {Path(out).parent}")
    return problems


def _copy(con, query: str, params: list, path: str, fmt: str) -> int:
    """COPY the query to a temporary file beside `path`, then move it there; rows written."""
    # Parquet row groups of 25,000 rows keep the writer's buffers small: 0.8 GB peak for 13M allocated rows, not 1.0.
    options = (f"format csv, header true, timestampformat {literal(TIMES)}" if fmt == "csv"
               else "format parquet, compression zstd, row_group_size 25000")
    tmp = f"{path}.{os.getpid()}.tmp"
    con.execute("set preserve_insertion_order = false")  # row order means nothing here; lets DuckDB stream
    try:
        rows = con.execute(f"copy ({query}) to {literal(tmp)} ({options})", params).fetchone()[0]
        os.replace(tmp, path)
    finally:
        con.execute("reset preserve_insertion_order")
        Path(tmp).unlink(missing_ok=True)
    return int(rows)


def export(store: Store, con, user: access.User, out: str, month: str | None = None, version: str = "1.2",
           fmt: str = "csv", allocated: bool = False,
           progress: Progress | None = None) -> tuple[Exported | None, list[str]]:
    """Write the charges (or the allocated bill) of a month, or of every month, as FOCUS; audited.

    progress(fraction, message) hears of each period's allocation decisions (the first fifth) and of the
    one streaming COPY that writes every row (the rest, reported when it is done)."""
    access.require(user, "export_focus")
    if user.scope is not None:  # the whole bill: never for a user limited to some departments
        raise access.PermissionDenied(f"{user.username} sees only some departments; a FOCUS export is the whole bill")
    problems = check(out, month, version, fmt)
    if problems:
        return None, problems
    if allocated:
        chosen = [p for p in cache.periods(store) if month in (None, p)]
    else:
        chosen = sorted({Path(f).parent.name.split("=", 1)[1] for f in active_files(store, [month] if month else None)})
    if not chosen:
        return None, [f"no charges in {month}" if month else "no charges to export"]
    plain = lake_source(store, active_files(store, chosen))
    names = extras(con, plain)
    if allocated:
        try:
            with allocated_rows(store, con, chosen, each(progress, len(chosen), 0, 0.2)) as (source, params):
                portion(progress, 0.2, 1)(0, f"writing the allocated bill of {len(chosen)} period(s)")
                rows = _copy(con, f"select {select_list(version, fmt, True, names)} from {source}", params, out, fmt)
        except NotAllocated as exc:
            return None, list(exc.args[0])
    else:
        portion(progress, 0, 1)(0, f"writing the charges of {len(chosen)} period(s)")
        rows = _copy(con, f"select {select_list(version, fmt, False, names)} from {plain}", [], out, fmt)
    portion(progress, 0, 1)(1, f"wrote {rows:,} rows")
    result = Exported(out, rows, version, fmt, allocated, tuple(chosen))
    audit.record(store, user, "export.focus", Path(out).name,
                 {"month": month, "version": version, "format": fmt, "allocated": allocated, "rows": rows,
                  "periods": list(chosen)})
    return result, []


def download(store: Store, con, user: access.User, month: str, version: str = "1.2", fmt: str = "parquet",
             allocated: bool = False) -> tuple[bytes | None, list[str]]:
    """The export of one month as bytes, for a download button (written to a private temporary folder first,
    in the data folder but not in the lake's staging, which an import may empty)."""
    with tempfile.TemporaryDirectory(dir=store.data_dir, prefix=".focus-export-") as tmp:
        path = str(Path(tmp) / file_name(month, version, fmt, allocated))
        result, problems = export(store, con, user, path, month, version, fmt, allocated)
        return (Path(path).read_bytes() if result else None), problems


def file_name(month: str, version: str, fmt: str, allocated: bool) -> str:
    return f"focus-{version}-{'allocated-' if allocated else ''}{month}.{fmt}"
