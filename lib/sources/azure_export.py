"""Azure Cost Management cost-details exports (EA and MCA; actual and amortized) to FOCUS.

Microsoft's recipe (FOCUS.md 7.2): take every row of the amortized export, plus the rows of
the actual export that buy or refund a reservation or savings plan. Import both files in
one call; which is which is read from the file name ("actual"/"amortized") or else from
the rows (commitment purchases only appear in actual; amortized spreads them on usage).
A single file alone is loaded whole.

| FOCUS | Export column / rule |
|---|---|
| BillingAccountId / Name | EA: BillingAccountId / Name; MCA: BillingProfileId / Name |
| BillingAccountType, SubAccountType | EA `Billing Account`, MCA `Billing Profile`; `Subscription` |
| SubAccountId / Name | SubscriptionId / SubscriptionName |
| BillingCurrency | BillingCurrencyCode (EA) or BillingCurrency |
| BillingPeriodStart / End | BillingPeriodStartDate / BillingPeriodEndDate + 1 day (exports are inclusive) |
| ChargePeriodStart / End | Date / Date + 1 day |
| BilledCost | CostInBillingCurrency (EA: Cost); 0 for usage covered by a Reservation or SavingsPlan |
| EffectiveCost | CostInBillingCurrency (EA: Cost); 0 for Purchase/Refund of a Reservation or SavingsPlan |
| ListCost / ListUnitPrice | MCA PaygCostInBillingCurrency; EA PayGPrice x Quantity (BilledCost without a price) / PayGPrice |
| ContractedCost / ContractedUnitPrice | UnitPrice x Quantity / UnitPrice |
| ChargeCategory / ChargeClass | Usage, Purchase, Tax same; Unused* -> Usage; Refund -> Purchase + Correction; else Adjustment |
| ChargeFrequency | OneTime -> One-Time, Recurring, UsageBased -> Usage-Based |
| CommitmentDiscountId / Name | benefitId / benefitName, else ReservationId / ReservationName |
| CommitmentDiscountCategory / Type | `/microsoft.capacity/` -> Usage / Reservation; `/microsoft.billingbenefits/` -> Spend / Savings Plan |
| CommitmentDiscountStatus | Unused* -> Unused; Reservation/SavingsPlan usage -> Used |
| ConsumedQuantity / Unit, PricingQuantity / Unit | Quantity / UnitOfMeasure (usage rows) |
| PricingCategory | OnDemand -> Standard, Spot -> Dynamic, Reservation/SavingsPlan -> Committed |
| ServiceName / ServiceCategory | MeterCategory (else ConsumedService) / lookup by MeterCategory, else by ConsumedService |
| RegionId / RegionName | ResourceLocation lower-case without spaces / ResourceLocation |
| ResourceId / ResourceName, SkuId / SkuMeter | ResourceId / ResourceName; ProductId (EA: PartNumber) / MeterName |
| InvoiceId, InvoiceIssuerName, PublisherName | InvoiceId; PartnerName else Microsoft; PublisherName else Microsoft |
| Tags | Tags, wrapped in { } when the export left the braces off |
"""

from pathlib import Path

from lib.core.problems import Problem
from lib.core.sql import literal
from lib.sources import native

NAME = "azure-export"
MONEY = ("CostInBillingCurrency", "Cost", "PaygCostInBillingCurrency", "PayGPrice", "UnitPrice", "Quantity")
COMMITMENT = "('Reservation', 'SavingsPlan')"


def sniff(columns: list[str]) -> bool:
    keys = {native.key(c) for c in columns}
    return "subscriptionid" in keys and "chargetype" in keys and bool({"costinbillingcurrency", "cost"} & keys)


def _date(expr: str) -> str:
    return f"coalesce(try_strptime({expr}, '%m/%d/%Y'), try_cast({expr} as timestamp))"


def mapping_sql(cols: native.Columns, src: str) -> str:
    c, n = cols.get, cols.num
    mca = cols.has("PaygCostInBillingCurrency") or cols.has("ProductId")
    acct, acct_name = ("BillingProfileId", "BillingProfileName") if mca else ("BillingAccountId", "BillingAccountName")
    benefit = f"coalesce({c('benefitId')}, {c('ReservationId')})"
    list_cost = n("PaygCostInBillingCurrency") if mca else \
        f"case when {n('PayGPrice')} > 0 then {n('PayGPrice')} * {n('Quantity')} end"
    return f"""
    select _row,
        {c(acct)} as BillingAccountId, {c(acct_name)} as BillingAccountName,
        {"'Billing Profile'" if mca else "'Billing Account'"} as BillingAccountType,
        {c('SubscriptionId')} as SubAccountId, {c('SubscriptionName')} as SubAccountName,
        'Subscription' as SubAccountType,
        {c('BillingCurrencyCode', 'BillingCurrency')} as BillingCurrency,
        {_date(c('BillingPeriodStartDate'))} as BillingPeriodStart,
        {_date(c('BillingPeriodEndDate'))} + interval 1 day as BillingPeriodEnd,
        {_date(c('Date'))} as ChargePeriodStart,
        {_date(c('Date'))} + interval 1 day as ChargePeriodEnd,
        case when _ct = 'Usage' and _pm in {COMMITMENT} then 0 else _cost end as BilledCost,
        case when _ct in ('Purchase', 'Refund') and _pm in {COMMITMENT} then 0 else _cost end as EffectiveCost,
        coalesce({list_cost}, _cost) as ListCost,
        {n('PayGPrice')} as ListUnitPrice,
        coalesce({n('UnitPrice')} * {n('Quantity')}, _cost) as ContractedCost,
        {n('UnitPrice')} as ContractedUnitPrice,
        case when _ct in ('Usage', 'Purchase', 'Tax', 'Credit') then _ct when _ct like 'Unused%' then 'Usage'
             when _ct = 'Refund' then 'Purchase' else 'Adjustment' end as ChargeCategory,
        case when _ct = 'Refund' then 'Correction' end as ChargeClass,
        case {c('Frequency')} when 'OneTime' then 'One-Time' when 'Recurring' then 'Recurring'
             when 'UsageBased' then 'Usage-Based' end as ChargeFrequency,
        {c('Product')} as ChargeDescription,
        {benefit} as CommitmentDiscountId,
        coalesce({c('benefitName')}, {c('ReservationName')}) as CommitmentDiscountName,
        case when lower({benefit}) like '%/microsoft.capacity/%' then 'Usage'
             when lower({benefit}) like '%/microsoft.billingbenefits/%' then 'Spend' end as CommitmentDiscountCategory,
        case when lower({benefit}) like '%/microsoft.capacity/%' then 'Reservation'
             when lower({benefit}) like '%/microsoft.billingbenefits/%' then 'Savings Plan' end
            as CommitmentDiscountType,
        case when _ct like 'Unused%' then 'Unused' when _ct = 'Usage' and _pm in {COMMITMENT} then 'Used' end
            as CommitmentDiscountStatus,
        case when _ct = 'Usage' then {n('Quantity')} end as ConsumedQuantity,
        case when _ct = 'Usage' then {c('UnitOfMeasure')} end as ConsumedUnit,
        {n('Quantity')} as PricingQuantity, {c('UnitOfMeasure')} as PricingUnit,
        case _pm when 'OnDemand' then 'Standard' when 'Spot' then 'Dynamic' when 'Reservation' then 'Committed'
             when 'SavingsPlan' then 'Committed' end as PricingCategory,
        {c('InvoiceId')} as InvoiceId,
        coalesce({c('PartnerName')}, 'Microsoft') as InvoiceIssuerName,
        'Microsoft' as ProviderName, 'Microsoft' as ServiceProviderName, 'Microsoft' as HostProviderName,
        coalesce({c('PublisherName')}, 'Microsoft') as PublisherName,
        lower(replace({c('ResourceLocation')}, ' ', '')) as RegionId, {c('ResourceLocation')} as RegionName,
        {c('AvailabilityZone')} as AvailabilityZone,
        {c('ResourceId')} as ResourceId, {c('ResourceName')} as ResourceName,
        coalesce({c('MeterCategory')}, {c('ConsumedService')}) as ServiceName,
        coalesce(_meter_category, _svc_category) as ServiceCategory,
        coalesce({c('ProductId')}, {c('PartNumber')}) as SkuId, {c('MeterName')} as SkuMeter,
        case when starts_with(_tg, '{{') then _tg when _tg is not null then '{{' || _tg || '}}' end as Tags
    from (select *, {c('ChargeType')} as _ct, {c('PricingModel')} as _pm, {c('Tags')} as _tg,
          coalesce({n('CostInBillingCurrency')}, {n('Cost')}) as _cost from {src})
    {native.category_join('azure', c('MeterCategory'), 'meter_category', '_meter')}
    {native.category_join('azure', c('ConsumedService'))}"""


def kind(con, path: str, src: str, cols: native.Columns) -> str:
    """'actual', 'amortized' or 'either' (no commitment rows: both exports agree)."""
    name = Path(path).name.lower()
    for word in ("amortized", "actual"):
        if word in name:
            return word
    pm, ct = cols.get("PricingModel"), cols.get("ChargeType")
    cost = f"coalesce({cols.num('CostInBillingCurrency')}, {cols.num('Cost')})"
    actual, amortized = con.execute(
        f"select count(*) filter ({ct} in ('Purchase', 'Refund') and {pm} in {COMMITMENT}), "
        f"count(*) filter (({ct} = 'Usage' and {pm} in {COMMITMENT} and {cost} <> 0) or {ct} like 'Unused%') "
        f"from {src}").fetchone()
    return "actual" if actual and not amortized else "amortized" if amortized and not actual else "either"


def bad_tags(con, file: str, view: str) -> list[Problem]:
    rows = con.execute(f"select _row from {view} where Tags is not null and try(json(Tags)) is null "
                       f"order by 1 limit 20").fetchall()
    return [Problem(file, int(row), "Tags", "not a JSON object of tags") for (row,) in rows]


def load(con, path: str, view: str) -> list[Problem]:
    """Create `view` (FOCUS names, `_row`, `_kind`) over one export file."""
    cols, problems = native.open_export(con, path, f"{view}_src", sniff, "not an Azure cost-details export: no "
                                        "SubscriptionId, ChargeType and CostInBillingCurrency (or Cost) columns",
                                        list(MONEY))
    if problems:
        return problems
    which = kind(con, path, f"{view}_src", cols)
    con.execute(f"create or replace temp view {view} as select *, {literal(which)} as _kind "
                f"from ({mapping_sql(cols, f'{view}_src')})")
    return bad_tags(con, path, view)


def combine(con, inputs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Apply the recipe across the files of one import: amortized rows + actual commitment purchases."""
    kinds = {view: con.execute(f"select any_value(_kind) from {view}").fetchone()[0] for _, view in inputs}
    present = set(kinds.values())
    out = []
    for name, view in inputs:
        k = kinds[view]
        if k == "either":  # only on-demand rows: it plays the role the other files leave open
            k = "amortized" if "actual" in present else "actual" if "amortized" in present else "alone"
        if k == "actual" and ("amortized" in present or (kinds[view] == "actual" and "either" in present)):
            con.execute(f"create or replace temp view {view}_recipe as select * exclude (_kind) from {view} "
                        f"where ChargeCategory = 'Purchase' and CommitmentDiscountId is not null")
        else:
            con.execute(f"create or replace temp view {view}_recipe as select * exclude (_kind) from {view}")
        out.append((name, f"{view}_recipe"))
    return out
