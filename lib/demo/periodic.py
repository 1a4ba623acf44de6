"""Demo charges priced from the daily usage: savings plan fees, upfront reservations, support, tax, credits.

>>> write(con, usage_files, "periodic.parquet")      # doctest: +SKIP
"""

from lib.core.sql import literal_list
from lib.demo.charges import copy_bill


def write(con, usage_files: list[str], path: str) -> None:
    """Write the charges priced from usage (commitment fees and purchases, support, tax) and credits."""
    copy_bill(con, PERIODIC_SQL.replace("{usage}", f"read_parquet({literal_list(usage_files)}, hive_partitioning = false)"),
              path)


# Charges priced from the usage file: each part yields an account key and a few fields; the
# final select adds the account's columns. Savings plan fees equal the covered EffectiveCost of
# their day; an upfront reservation is priced at its covered usage per day times its term.
PERIODIC_SQL = """
with u as (select * from {usage}),
months as (
  select distinct month_start, month_end, dense_rank() over (order by month_start) - 1 as idx from demo_days
),
fees as (
  select c.account, u.ChargePeriodStart as charge_start, 'Purchase' as category, 'Recurring' as frequency,
    'Savings Plan recurring fee' as description, u.ServiceName as service_name, u.ServiceCategory as service_category,
    u.ServiceSubcategory as service_subcategory, cast(sum(u.EffectiveCost) as decimal(38,12)) as billed, c.id as commitment_id
  from u join demo_commitments c on c.id = u.CommitmentDiscountId and c.payment = 'daily'
  group by all
),
upfront as (
  select c.account, cast(p.start_date + c.start_offset as timestamp) as charge_start, 'Purchase' as category,
    'One-Time' as frequency, c.name || ' (all upfront)' as description, any_value(u.ServiceName) as service_name,
    any_value(u.ServiceCategory) as service_category, any_value(u.ServiceSubcategory) as service_subcategory,
    cast(cast(sum(u.EffectiveCost) * c.term / count(distinct u.ChargePeriodStart) as decimal(18,2)) as decimal(38,12))
    as billed, c.id as commitment_id
  from u join demo_commitments c on c.id = u.CommitmentDiscountId and c.payment = 'upfront', demo_params p
  group by c.account, c.id, c.name, c.term, p.start_date, c.start_offset
),
support as (
  select 'aws-shared' as account, u.BillingPeriodStart as charge_start, 'Usage' as category, 'Recurring' as frequency,
    'AWS Support (Business) monthly fee' as description, 'AWS Support (Business)' as service_name,
    'Management and Governance' as service_category, 'Support' as service_subcategory,
    cast(cast(any_value(p.support_rate) * sum(u.ListCost) as decimal(18,2)) as decimal(38,12)) as billed, null as commitment_id
  from u, demo_params p where u.ProviderName = 'AWS' group by u.BillingPeriodStart
),
tax as (
  select a.key as account, u.BillingPeriodStart as charge_start, 'Tax' as category, 'Recurring' as frequency,
    'Sales tax' as description, 'Tax' as service_name, 'Other' as service_category,
    'Other (Other)' as service_subcategory, cast(cast(any_value(p.tax_rate) * sum(u.BilledCost) as decimal(18,2)) as decimal(38,12))
    as billed, null as commitment_id
  from u join demo_accounts a on a.sub_id = u.SubAccountId, demo_params p where u.ProviderName = 'AWS'
  group by a.key, u.BillingPeriodStart
),
credits as (
  select cr.account, m.month_start as charge_start, 'Credit' as category, 'One-Time' as frequency,
    'Promotional credit' as description, cr.service_name, v.category as service_category,
    v.subcategory as service_subcategory, cast(cr.amount as decimal(38,12)) as billed, null as commitment_id
  from demo_credits cr join months m on m.idx between cr.first_month and cr.last_month
  join (select distinct service_name, category, subcategory from demo_services) v on v.service_name = cr.service_name
),
parts as (
  select * from fees union all by name select * from upfront union all by name select * from support
  union all by name select * from tax union all by name select * from credits
)
select a.provider as ProviderName, a.provider as ServiceProviderName, a.provider as HostProviderName,
  a.provider as InvoiceIssuerName, a.provider as PublisherName,
  a.billing_account_id as BillingAccountId, a.billing_account_name as BillingAccountName,
  a.currency as BillingCurrency, a.currency as PricingCurrency,
  a.sub_id as SubAccountId, a.sub_name as SubAccountName, a.sub_type as SubAccountType,
  date_trunc('month', x.charge_start) as BillingPeriodStart,
  date_trunc('month', x.charge_start) + interval 1 month as BillingPeriodEnd,
  x.charge_start as ChargePeriodStart,
  if(x.category = 'Purchase', x.charge_start + interval 1 day,
     date_trunc('month', x.charge_start) + interval 1 month) as ChargePeriodEnd,
  x.category as ChargeCategory, x.frequency as ChargeFrequency, x.description as ChargeDescription,
  if(date_trunc('month', x.charge_start) < date_trunc('month', p.today),
     'INV-' || a.billing_account_id || '-' || strftime(x.charge_start, '%Y%m'), null) as InvoiceId,
  x.service_name as ServiceName, x.service_category as ServiceCategory, x.service_subcategory as ServiceSubcategory,
  a.region1 as RegionId, a.region1_name as RegionName,
  x.commitment_id as ResourceId, c.name as ResourceName,
  case when x.category = 'Tax' then null when x.commitment_id is null then 'Standard' else 'Committed' end
    as PricingCategory,
  cast(x.billed as decimal(38,12)) as BilledCost,
  cast(if(x.commitment_id is null, x.billed, 0) as decimal(38,12)) as EffectiveCost,
  cast(if(x.category = 'Credit', null, x.billed) as decimal(38,12)) as ListCost,
  cast(if(x.category = 'Credit', null, x.billed) as decimal(38,12)) as ContractedCost,
  x.commitment_id as CommitmentDiscountId, c.name as CommitmentDiscountName, c.type as CommitmentDiscountType,
  c.category as CommitmentDiscountCategory
from parts x join demo_accounts a on a.key = x.account cross join demo_params p
left join demo_commitments c on c.id = x.commitment_id
"""
