"""AWS Cost and Usage Reports (legacy CUR and CUR 2.0 Data Exports), CSV or Parquet, to FOCUS.

Column names are matched without case or separators, so the CSV naming
(`lineItem/UnblendedCost`, `resourceTags/user:team`), the Athena/Parquet naming
(`line_item_unblended_cost`, `resource_tags_user_team`) and CUR 2.0 (`resource_tags` and
`product` MAP columns) all read the same way.

| FOCUS | CUR source / rule |
|---|---|
| BillingAccountId / Name | bill/PayerAccountId / bill_payer_account_name (CUR 2.0) |
| SubAccountId / Name | lineItem/UsageAccountId / line_item_usage_account_name (CUR 2.0) |
| BillingCurrency | lineItem/CurrencyCode |
| BillingPeriodStart / End | bill/BillingPeriodStartDate / EndDate (already exclusive) |
| ChargePeriodStart / End | lineItem/UsageStartDate / UsageEndDate |
| BilledCost | lineItem/NetUnblendedCost if present, else lineItem/UnblendedCost |
| EffectiveCost | by LineItemType: SavingsPlanCoveredUsage -> savingsPlan/SavingsPlanEffectiveCost; SavingsPlanRecurringFee -> TotalCommitmentToDate - UsedCommitment; SavingsPlanNegation, SavingsPlanUpfrontFee -> 0; DiscountedUsage -> reservation/EffectiveCost; RIFee -> UnusedAmortizedUpfrontFeeForBillingPeriod + UnusedRecurringFee; Fee with a reservation -> 0; else BilledCost |
| ListCost / ListUnitPrice | pricing/publicOnDemandCost (else BilledCost) / pricing/publicOnDemandRate |
| ContractedCost / ContractedUnitPrice | lineItem/UnblendedCost / lineItem/UnblendedRate |
| ChargeCategory | Tax -> Tax; Credit -> Credit; Fee, RIFee, SavingsPlanUpfrontFee, SavingsPlanRecurringFee -> Purchase; Refund -> Adjustment; other types -> Usage |
| ChargeFrequency | RIFee, SavingsPlanRecurringFee -> Recurring; Fee, SavingsPlanUpfrontFee, Tax, Credit, Refund -> One-Time; else Usage-Based |
| CommitmentDiscountId / Category / Type / Status | savingsPlan/SavingsPlanArn (Spend, Savings Plan) else reservation/ReservationArn (Usage, Reserved Instances); Used on covered usage, Unused on the fee rows |
| ConsumedQuantity / ConsumedUnit, PricingQuantity / PricingUnit | lineItem/UsageAmount (usage rows) / pricing/unit |
| ServiceName / ServiceCategory | product/ProductName (CUR 2.0 product['product_name']) else lineItem/ProductCode / lookup by product code |
| RegionId, AvailabilityZone, ResourceId, SkuId | product/region (product_region_code), lineItem/AvailabilityZone, lineItem/ResourceId, product/sku |
| InvoiceId, InvoiceIssuerName, PublisherName | bill/InvoiceId, bill/InvoicingEntity (else lineItem/LegalEntity), lineItem/LegalEntity |
| Tags | resourceTags/* columns or the resource_tags map; `user:`/`user_` prefixes dropped, `aws:` kept |
"""

from lib.core.problems import Problem
from lib.core.sql import identifier, literal
from lib.sources import native

NAME = "aws-cur"
MONEY = ("lineItem/UnblendedCost", "lineItem/NetUnblendedCost", "savingsPlan/SavingsPlanEffectiveCost",
         "savingsPlan/TotalCommitmentToDate", "savingsPlan/UsedCommitment", "reservation/EffectiveCost",
         "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", "reservation/UnusedRecurringFee",
         "pricing/publicOnDemandCost", "lineItem/UsageAmount")
TAG_PREFIXES = ("resourceTags/", "noTags/")  # a koku fixture renamed the prefix; same shape


def sniff(columns: list[str]) -> bool:
    keys = {native.key(c) for c in columns}
    return "lineitemunblendedcost" in keys and "lineitemlineitemtype" in keys


def _tags(cols: native.Columns) -> str:
    if cols.has("resource_tags") and cols.types[cols.name("resource_tags")] != "varchar":
        return native.tags_from_map(f"to_json({identifier(cols.name('resource_tags'))})::varchar", "user_",
                                    trusted=True)
    if cols.has("resource_tags"):
        return native.tags_from_map(cols.get("resource_tags"), "user_")
    pairs = []
    for prefix in TAG_PREFIXES:
        for name in cols.with_prefix(prefix):
            if "/" in name:  # CSV naming keeps the key's case: resourceTags/user:CostCenter
                tag = name.split("/", 1)[1]
                tag = tag[5:] if tag.startswith("user:") else tag
            else:  # Athena naming lower-cases and flattens: resource_tags_user_cost_center
                tag = name[len("resource_tags_"):] if name.lower().startswith("resource_tags_") else name
                tag = tag[5:] if tag.startswith("user_") else tag
            pairs.append((tag, identifier(name)))
    return native.tags_from_columns(pairs)


def _product(cols: native.Columns, attribute: str, *flat: str) -> str:
    """A product attribute from its own column, or from the CUR 2.0 `product` map."""
    present = [cols.get(f) for f in flat if cols.has(f)]
    if present or not cols.has("product"):
        return f"coalesce({', '.join(present)})" if present else "null"
    col = identifier(cols.name("product"))
    if cols.types[cols.name("product")] == "varchar":
        return f"json_extract_string({col}, {literal('$.' + attribute)})"
    return f"element_at({col}, {literal(attribute)})[1]"


CATEGORY = """case _t when 'Tax' then 'Tax' when 'Credit' then 'Credit' when 'Refund' then 'Adjustment'
        when 'Fee' then 'Purchase' when 'RIFee' then 'Purchase' when 'SavingsPlanUpfrontFee' then 'Purchase'
        when 'SavingsPlanRecurringFee' then 'Purchase' else 'Usage' end"""


def _effective(cols: native.Columns) -> str:
    """EffectiveCost per line item type: amortized commitments, unused parts on their fees."""
    n = cols.num
    return f"""case _t
        when 'SavingsPlanCoveredUsage' then {n('savingsPlan/SavingsPlanEffectiveCost')}
        when 'SavingsPlanRecurringFee' then coalesce({n('savingsPlan/TotalCommitmentToDate')}, 0)
                                          - coalesce({n('savingsPlan/UsedCommitment')}, 0)
        when 'SavingsPlanNegation' then 0 when 'SavingsPlanUpfrontFee' then 0
        when 'DiscountedUsage' then {n('reservation/EffectiveCost')}
        when 'RIFee' then coalesce({n('reservation/UnusedAmortizedUpfrontFeeForBillingPeriod')}, 0)
                        + coalesce({n('reservation/UnusedRecurringFee')}, 0)
        when 'Fee' then case when {cols.get('reservation/ReservationArn')} is not null then 0 else _billed end
        else _billed end"""


def _commitment(cols: native.Columns) -> str:
    """The CommitmentDiscount* columns: a Savings Plan or a reservation, used or unused."""
    sp_arn, ri_arn = cols.get("savingsPlan/SavingsPlanArn"), cols.get("reservation/ReservationArn")
    return f"""coalesce({sp_arn}, {ri_arn}) as CommitmentDiscountId,
        case when {sp_arn} is not null then 'Spend' when {ri_arn} is not null then 'Usage' end
            as CommitmentDiscountCategory,
        case when {sp_arn} is not null then 'Savings Plan' when {ri_arn} is not null then 'Reserved Instances' end
            as CommitmentDiscountType,
        case when coalesce({sp_arn}, {ri_arn}) is null then null
             when _t in ('SavingsPlanCoveredUsage', 'DiscountedUsage') then 'Used'
             when _t in ('SavingsPlanRecurringFee', 'RIFee') then 'Unused' end as CommitmentDiscountStatus"""


def mapping_sql(cols: native.Columns, src: str) -> str:
    c, n = cols.get, cols.num
    billed = f"coalesce({n('lineItem/NetUnblendedCost')}, {n('lineItem/UnblendedCost')})"
    code = c("lineItem/ProductCode")
    service = f"coalesce({_product(cols, 'product_name', 'product/ProductName')}, {code})"
    region = _product(cols, "region", "product/regionCode", "product_region_code", "product/region")
    return f"""
    select _row,
        {c('bill/PayerAccountId')} as BillingAccountId,
        {c('bill_payer_account_name')} as BillingAccountName,
        {c('lineItem/UsageAccountId')} as SubAccountId,
        {c('line_item_usage_account_name')} as SubAccountName,
        {c('lineItem/CurrencyCode')} as BillingCurrency,
        {c('bill/BillingPeriodStartDate')} as BillingPeriodStart,
        {c('bill/BillingPeriodEndDate')} as BillingPeriodEnd,
        {c('lineItem/UsageStartDate')} as ChargePeriodStart,
        {c('lineItem/UsageEndDate')} as ChargePeriodEnd,
        _billed as BilledCost,
        {_effective(cols)} as EffectiveCost,
        coalesce({n('pricing/publicOnDemandCost')}, _billed) as ListCost,
        {n('pricing/publicOnDemandRate')} as ListUnitPrice,
        coalesce({n('lineItem/UnblendedCost')}, _billed) as ContractedCost,
        {n('lineItem/UnblendedRate')} as ContractedUnitPrice,
        {CATEGORY} as ChargeCategory,
        case when _t in ('RIFee', 'SavingsPlanRecurringFee') then 'Recurring'
             when _t in ('Fee', 'SavingsPlanUpfrontFee', 'Tax', 'Credit', 'Refund') then 'One-Time'
             else 'Usage-Based' end as ChargeFrequency,
        {c('lineItem/LineItemDescription')} as ChargeDescription,
        {_commitment(cols)},
        case when {CATEGORY} = 'Usage' then {n('lineItem/UsageAmount')} end as ConsumedQuantity,
        case when {CATEGORY} = 'Usage' then {c('pricing/unit')} end as ConsumedUnit,
        {n('lineItem/UsageAmount')} as PricingQuantity,
        {c('pricing/unit')} as PricingUnit,
        case when _t in ('DiscountedUsage', 'SavingsPlanCoveredUsage') then 'Committed'
             when {c('pricing/term')} = 'OnDemand' then 'Standard' end as PricingCategory,
        'AWS' as ProviderName, 'AWS' as ServiceProviderName, 'AWS' as HostProviderName,
        {c('lineItem/LegalEntity')} as PublisherName,
        coalesce({c('bill/InvoicingEntity')}, {c('lineItem/LegalEntity')}) as InvoiceIssuerName,
        {c('bill/InvoiceId')} as InvoiceId,
        {region} as RegionId,
        {c('lineItem/AvailabilityZone')} as AvailabilityZone,
        {c('lineItem/ResourceId')} as ResourceId,
        {service} as ServiceName,
        _svc_category as ServiceCategory,
        {_product(cols, 'sku', 'product/sku')} as SkuId,
        {c('pricing/RateCode')} as SkuPriceId,
        {_tags(cols)} as Tags
    from (select *, {c('lineItem/LineItemType')} as _t, {billed} as _billed from {src})
    {native.category_join('aws', code)}"""


def load(con, path: str, view: str) -> list[Problem]:
    """Create `view`: the CUR's rows with FOCUS names, one per line item, keeping `_row`."""
    cols, problems = native.open_export(con, path, f"{view}_src", sniff, "not an AWS Cost and Usage Report: no "
                                        "lineItem/UnblendedCost and lineItem/LineItemType columns", list(MONEY))
    if problems:
        return problems
    con.execute(f"create or replace temp view {view} as {mapping_sql(cols, f'{view}_src')}")
    return []
