"""Google Cloud BigQuery billing export (standard and detailed) to FOCUS.

Reads the export as BigQuery writes it to Parquet (nested `service`, `credits`, ...), or as
a flattened CSV (dotted names such as `service.description`, arrays as JSON or Python-repr
text). The billing period is `invoice.month`, which Google closes in America/Los_Angeles
time: a period runs from the 1st 00:00 Pacific to the next 1st, converted to UTC.

| FOCUS | export field / rule |
|---|---|
| BillingAccountId | billing_account_id |
| SubAccountId / Name, SubAccountType | project.id / project.name, `Project` |
| BillingCurrency | currency |
| BillingPeriodStart / End | invoice.month (YYYYMM) at 00:00 America/Los_Angeles -> UTC / the next month's start |
| ChargePeriodStart / End | usage_start_time / usage_end_time |
| BilledCost, EffectiveCost | cost + sum(credits[].amount) (credits are negative; `cost` excludes them) |
| ListCost | cost_at_list, else BilledCost |
| ChargeCategory | cost_type: regular -> Usage, tax -> Tax, adjustment / rounding_error -> Adjustment |
| ChargeClass | Correction when adjustment_info.mode marks a prior-period correction |
| ChargeFrequency | Usage-Based for regular rows, One-Time otherwise |
| ConsumedQuantity / Unit | usage.amount / usage.unit (regular rows) |
| PricingQuantity / Unit | usage.amount_in_pricing_units / usage.pricing_unit |
| ServiceName / ServiceCategory | service.description / lookup by service description |
| SkuId, ChargeDescription | sku.id, sku.description |
| RegionId, AvailabilityZone | location.region else location.location, location.zone |
| ResourceId / ResourceName | resource.global_name / resource.name (detailed export) |
| PublisherName, InvoiceIssuerName, ProviderName | seller_name else Google Cloud; Google Cloud; Google Cloud |
| CommitmentDiscountId | subscription.instance_id on rows with a committed-use credit |
| Tags | one object: project.labels, then tags, then labels (later wins), plus system_labels |
"""

from lib.core.problems import Problem
from lib.core.sql import identifier, literal
from lib.sources import native

NAME = "gcp-billing-export"

def sniff(columns: list[str]) -> bool:
    keys = {native.key(c) for c in columns}
    return "billingaccountid" in keys and "costtype" in keys and bool({"invoicemonth", "invoice"} & keys)


def field(cols: native.Columns, dotted: str) -> str:
    """A nested field from its flattened column (`service.description`) or its struct (`service`)."""
    if cols.has(dotted):
        return cols.get(dotted)
    top, _, rest = dotted.partition(".")
    if rest and cols.has(top) and cols.types[cols.name(top)].startswith("struct"):
        return f"{identifier(cols.name(top))}.{rest}"
    return "null"


def json_list(cols: native.Columns, name: str) -> str:
    """An array field as JSON text: native lists via to_json, CSV text via Python-repr repair."""
    if cols.has(name) and cols.types[cols.name(name)] == "varchar":
        return f"coalesce({native.pyrepr_json(cols.get(name))}, '[]')"
    expr = field(cols, name)
    return "'[]'" if expr == "null" else f"coalesce(to_json({expr})::varchar, '[]')"


def _labels(expr: str, prefix: str = "") -> str:
    """JSON object text from a JSON [{key, value}] list (keys optionally prefixed)."""
    entries = f"from_json({expr}, '[{{\"key\": \"VARCHAR\", \"value\": \"VARCHAR\"}}]')"
    pairs = f"list_transform({entries}, e -> struct_pack(k := {literal(prefix)} || e.key, v := e.value))"
    kept = f"list_filter(list_distinct({pairs}), e -> e.k is not null)"
    return f"coalesce(to_json(map_from_entries({kept}))::varchar, '{{}}')"


def tags_sql(cols: native.Columns) -> str:
    merged = _labels(json_list(cols, "project.labels"))
    for name in ("tags", "labels", "system_labels"):
        merged = f"json_merge_patch({merged}, {_labels(json_list(cols, name))})"
    return f"nullif(({merged})::varchar, '{{}}')"


def mapping_sql(cols: native.Columns, src: str) -> str:
    f = lambda d: field(cols, d)  # noqa: E731 - short alias keeps the select readable
    num = lambda d: f"try_cast({f(d)} as decimal(38,12))"  # noqa: E731
    month = f"strptime(cast({f('invoice.month')} as varchar) || '01', '%Y%m%d')"
    start = f"cast(timezone('America/Los_Angeles', {month}) as timestamp)"
    end = f"cast(timezone('America/Los_Angeles', {month} + interval 1 month) as timestamp)"
    credits = (f"coalesce(list_sum(list_transform(from_json({json_list(cols, 'credits')}, '[{{\"amount\": \"VARCHAR\"}}]'), "
               f"x -> try_cast(x.amount as decimal(38,12)))), 0)")
    cud = (f"list_has_any(list_transform(from_json({json_list(cols, 'credits')}, '[{{\"type\": \"VARCHAR\"}}]'), "
           f"x -> x.type), ['COMMITTED_USAGE_DISCOUNT', 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE'])")
    return f"""
    select _row,
        {f('billing_account_id')} as BillingAccountId,
        {f('project.id')} as SubAccountId, {f('project.name')} as SubAccountName, 'Project' as SubAccountType,
        {f('currency')} as BillingCurrency,
        {start} as BillingPeriodStart, {end} as BillingPeriodEnd,
        {f('usage_start_time')} as ChargePeriodStart, {f('usage_end_time')} as ChargePeriodEnd,
        _cost + _credits as BilledCost, _cost + _credits as EffectiveCost,
        coalesce({num('cost_at_list')}, _cost + _credits) as ListCost,
        case _ct when 'regular' then 'Usage' when 'tax' then 'Tax' when 'adjustment' then 'Adjustment'
             when 'rounding_error' then 'Adjustment' end as ChargeCategory,
        case when {f('adjustment_info.mode')} = 'COMPLETE_NEGATION_WITH_REMONETIZATION'
                  or {f('adjustment_info.mode')} like '%CORRECTION%' then 'Correction' end as ChargeClass,
        case when _ct = 'regular' then 'Usage-Based' else 'One-Time' end as ChargeFrequency,
        {f('sku.description')} as ChargeDescription,
        case when {cud} then {f('subscription.instance_id')} end as CommitmentDiscountId,
        case when _ct = 'regular' then {num('usage.amount')} end as ConsumedQuantity,
        case when _ct = 'regular' then {f('usage.unit')} end as ConsumedUnit,
        {num('usage.amount_in_pricing_units')} as PricingQuantity, {f('usage.pricing_unit')} as PricingUnit,
        'Google Cloud' as ProviderName, 'Google Cloud' as ServiceProviderName, 'Google Cloud' as HostProviderName,
        coalesce({f('seller_name')}, 'Google Cloud') as PublisherName, 'Google Cloud' as InvoiceIssuerName,
        coalesce({f('location.region')}, {f('location.location')}) as RegionId,
        {f('location.zone')} as AvailabilityZone,
        {f('resource.global_name')} as ResourceId, {f('resource.name')} as ResourceName,
        {f('service.description')} as ServiceName,
        _svc_category as ServiceCategory,
        {f('sku.id')} as SkuId,
        {tags_sql(cols)} as Tags
    from (select *, {num('cost')} as _cost, {credits} as _credits, {f('cost_type')} as _ct from {src})
    {native.category_join('gcp', f('service.description'))}"""


def load(con, path: str, view: str) -> list[Problem]:
    """Create `view` (FOCUS names and `_row`) over one billing-export file."""
    cols, problems = native.open_export(con, path, f"{view}_src", sniff, "not a Google Cloud billing export: no "
                                        "billing_account_id, cost_type and invoice.month columns",
                                        ["cost", "cost_at_list"])
    if problems:
        return problems
    con.execute(f"create or replace temp view {view} as {mapping_sql(cols, f'{view}_src')}")
    bad = con.execute(f"select _row from {view} where BilledCost is null and ChargeCategory is not null "
                      f"order by 1 limit 20").fetchall()
    return [Problem(path, int(r), "credits", "cannot read the credits list") for (r,) in bad]
