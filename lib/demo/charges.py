"""Demo charges, generated set-based in DuckDB: resources x days, written as FOCUS Parquet.

Pseudo-random numbers are `hash(seed, ...)` of row keys, so the same seed, size and date give
the same bill, and nothing loops over rows in Python. `load_catalog` puts the small catalog
tables into the connection; `write_usage` writes the daily usage files, which
lib.demo.periodic reads back to price what depends on usage.

>>> load_catalog(con, seed=7, start=date(2025, 11, 1), today=date(2026, 11, 27), rows=300_000)  # doctest: +SKIP
>>> files = write_usage(con, "usage")                                                            # doctest: +SKIP
"""

from datetime import date, timedelta
from pathlib import Path

from lib.config.calendar import official
from lib.core.sql import literal
from lib.demo import catalog

CATALOG_TABLES = {
    "demo_accounts": ("key varchar, provider varchar, billing_account_id varchar, billing_account_name varchar, "
                      "currency varchar, sub_id varchar, sub_name varchar, sub_type varchar, region1 varchar, "
                      "region1_name varchar, region2 varchar, region2_name varchar, tag_style varchar"),
    "demo_services": ("key varchar, provider varchar, service_name varchar, category varchar, subcategory varchar, "
                      "sku_id varchar, sku_meter varchar, pricing_unit varchar, unit_price double, "
                      "resource_type varchar, id_template varchar, weekend double"),
    "demo_workloads": ("id integer, team varchar, account varchar, service varchar, daily double, growth double, "
                       "rhythm varchar"),
    "demo_holidays": "day date",
    "demo_commitments": ("id varchar, name varchar, type varchar, category varchar, account varchar, service varchar, "
                         "coverage double, discount double, payment varchar, start_offset integer, term integer"),
    "demo_credits": "account varchar, service_name varchar, amount double, first_month integer, last_month integer",
    "demo_anomalies": ("kind varchar, team varchar, service varchar, account varchar, start_date date, "
                       "end_date date, extra double, drop_service varchar"),
}


def anomaly_rows(today: date) -> list[tuple]:
    """The injected anomalies with real dates and the account each one bills to."""
    providers = {s[0]: s[1] for s in catalog.SERVICES}
    account_provider = {a[0]: a[1] for a in catalog.ACCOUNTS}
    out = []
    for kind, team, service, back, days, extra in catalog.ANOMALIES:
        account = min(acct for t, acct, *_ in catalog.WORKLOADS
                      if t == team and account_provider[acct] == providers[service])
        start = today - timedelta(days=back)
        end = min(today, start + timedelta(days=days - 1))
        out.append((kind, team, service, account, start, end, extra, catalog.HIDDEN_DROP.get(team)))
    return out


def load_catalog(con, seed: int, start: date, today: date, rows: int, clean: bool = False) -> None:
    """Create the demo_* catalog tables and demo_params in `con` (replacing earlier ones)."""
    days = (today - start).days + 1
    resources = max(len(catalog.WORKLOADS), rows // days)
    con.execute("create or replace temp table demo_params (seed bigint, start_date date, today date, "
                "resources integer, support_rate double, tax_rate double)")
    con.execute("insert into demo_params values (?, ?, ?, ?, ?, ?)",
                [seed, start, today, resources, catalog.SUPPORT_RATE, catalog.TAX_RATE])
    data = {
        "demo_accounts": catalog.ACCOUNTS,
        "demo_services": catalog.SERVICES,
        "demo_workloads": [(i, *w, catalog.RHYTHMS.get(w[:3], "")) for i, w in enumerate(catalog.WORKLOADS)],
        "demo_holidays": [(d,) for y in range(start.year, today.year + 1) for d in official(catalog.COUNTRY, y)],
        "demo_commitments": catalog.COMMITMENTS,
        "demo_credits": catalog.CREDITS,
        "demo_anomalies": [] if clean else anomaly_rows(today),
    }
    for table, columns in CATALOG_TABLES.items():
        con.execute(f"create or replace temp table {table} ({columns})")
        if data[table]:
            marks = ", ".join("?" * len(data[table][0]))
            con.executemany(f"insert into {table} values ({marks})", [list(r) for r in data[table]])
    con.execute("create or replace temp table demo_teams as select * from (values "
                + ", ".join("(?, ?)" for _ in catalog.TEAMS) + ") t(id, alias)",
                [v for t in catalog.TEAMS for v in (t[0], t[4][0] if t[4] else t[0])])
    con.execute(RESOURCES_SQL, [list(catalog.UNKNOWN_TEAM_TAGS)])
    con.execute(DAYS_SQL)


DAYS_SQL = """
create or replace temp table demo_days as
select cast(d as date) as day, row_number() over (order by d) - 1 as idx,
       date_trunc('month', d) as month_start, date_trunc('month', d) + interval 1 month as month_end,
       isodow(d) >= 6 as weekend, d >= date_trunc('month', d) + interval 1 month - interval 2 day as last_two,
       cast(d as date) in (select day from demo_holidays) as holiday
from demo_params, generate_series(start_date, today, interval 1 day) t(d)
"""

# One row per resource: the workload's daily amount spread over k resources (k follows --rows),
# with tags (a tenth missing, a few naming unknown teams), region, id and commitment coverage.
RESOURCES_SQL = """
create or replace temp table demo_resources as
with sized as (
  select w.*, greatest(1, round(p.resources * w.daily / sum(w.daily) over ()))::integer as k
  from demo_workloads w, demo_params p
), expanded as (
  select s.*, n, row_number() over (order by s.id, n) as rid
  from sized s, generate_series(1, s.k) g(n)
), picked as (
  select e.*, a.provider, a.billing_account_id, a.billing_account_name, a.currency, a.sub_id, a.sub_name,
         a.sub_type, a.tag_style, v.service_name, v.category, v.subcategory, v.sku_id, v.sku_meter,
         v.pricing_unit, v.unit_price, v.resource_type, v.id_template, v.weekend as weekend_factor,
         (hash(p.seed, e.rid, 'size') % 1000) / 1000.0 + 0.5 as size,
         (hash(p.seed, e.rid, 'region') % 100) < 25 as second_region,
         (hash(p.seed, e.rid, 'tag') % 1000)::integer as tag_draw,
         ['prod', 'prod', 'prod', 'staging', 'dev'][1 + (hash(p.seed, e.rid, 'env') % 5)::integer] as env,
         coalesce(e.team, 'shared') || '-' || ['core', 'api', 'worker', 'batch'][1 + (hash(p.seed, e.rid, 'app') % 4)::integer]
           as app,
         md5(p.seed::varchar || '-' || e.rid::varchar) as h,
         (hash(p.seed, e.rid, 'cover') % 1000) / 1000.0 as cover_draw,
         if(second_region, a.region2, a.region1) as region_id,
         if(second_region, a.region2_name, a.region1_name) as region_name
  from expanded e join demo_accounts a on a.key = e.account join demo_services v on v.key = e.service, demo_params p
)
select p.*, t.alias,
  case when p.id_template = '' then null else
    replace(replace(replace(replace(replace(replace(p.id_template, '{region}', p.region_id), '{sub}', p.sub_id),
      '{team}', coalesce(p.team, 'shared')), '{n}', p.n::varchar), '{h}', left(p.h, 17)), '{H}', upper(left(p.h, 13)))
  end as resource_id,
  case when p.id_template = '' then null else coalesce(p.team, 'shared') || '-' || p.service || '-' || p.n end
    as resource_name,
  case
    when p.account = 'aws-sandbox' or (p.team is not null and p.tag_draw < 70) then null
    when p.team is null then json_object(if(p.tag_style = 'title', 'Env', 'env'), p.env,
                                         if(p.tag_style = 'title', 'App', 'app'), 'shared-platform')::varchar
    else json_object(
      if(p.tag_style = 'title' or p.tag_draw % 7 = 0, 'Team', 'team'),
      case when p.tag_draw >= 975 then $1[1 + p.tag_draw % 3]
           when p.tag_style = 'title' and p.tag_draw % 2 = 0 then upper(left(t.alias, 1)) || substr(t.alias, 2)
           when p.tag_style = 'title' then upper(left(p.team, 1)) || substr(p.team, 2)
           else p.team end,
      if(p.tag_style = 'title', 'Env', 'env'), p.env, if(p.tag_style = 'title', 'App', 'app'), p.app)::varchar
  end as tags,
  c.id as commitment_id, c.name as commitment_name, c.type as commitment_type, c.category as commitment_category,
  c.discount, c.start_offset, c.term
from picked p
left join demo_teams t on t.id = p.team
left join demo_commitments c on c.service = p.service and p.cover_draw < c.coverage
  and p.billing_account_id = (select billing_account_id from demo_accounts where key = c.account)
"""


def copy_bill(con, sql: str, path: str, options: str = "") -> None:
    # Row order does not matter in a bill, and letting DuckDB write in any order keeps memory flat;
    # the file is read once by the importer and deleted, so light compression is enough.
    con.execute("set preserve_insertion_order = false")
    con.execute("set partitioned_write_flush_threshold = 100000")  # bounds memory at 100M charges
    try:
        con.execute(f"copy ({sql}) to {literal(path)} (format parquet, compression snappy{options})")
    finally:
        con.execute("reset preserve_insertion_order")
        con.execute("reset partitioned_write_flush_threshold")


def write_usage(con, folder: str) -> list[str]:
    """Write the daily usage charges (resources x days, plus injected anomalies) under `folder`.

    One file per billing account and month, as the providers deliver their exports.
    """
    sql = (f"select *, md5(BillingAccountId) as billing_account, strftime(BillingPeriodStart, '%Y-%m') as month "
           f"from ({USAGE_SQL})")
    copy_bill(con, sql, folder, ", partition_by (billing_account, month), filename_pattern 'usage'")
    return sorted(str(p) for p in Path(folder).glob("billing_account=*/month=*/*.parquet"))


# Daily usage: cost = share of the workload x resource size x growth x weekday pattern x noise.
# A resource covered by a commitment bills 0 and carries its discounted EffectiveCost.
USAGE_SQL = """
with lines as (
  select r.provider, r.billing_account_id, r.billing_account_name, r.currency, r.sub_id, r.sub_name, r.sub_type,
    r.region_id, r.region_name, r.service_name, r.category, r.subcategory, r.sku_id, r.sku_meter, r.pricing_unit,
    r.unit_price, r.resource_type, r.resource_id, r.resource_name, r.tags, d.day, d.month_start, d.month_end,
    cast(r.daily / r.k * r.size * (1 + r.growth * d.idx / 365.0) * if(d.weekend, r.weekend_factor, 1)
      * (0.85 + (hash(p.seed, r.rid, d.idx) % 10000) / 33333.0)
      * if(d.holiday and r.weekend_factor < 1, 0.6, 1) * if(r.rhythm = 'month_end' and d.last_two, 3, 1)
      * if(r.rhythm = 'bursty', if(hash(p.seed, r.id, d.idx, 'burst') % 1000 < 100,
                                   1.3 + (hash(p.seed, r.id, d.idx, 'size') % 1000) / 2000.0, 1), 1)
      * if(a.extra is null, 1, greatest(0.1, 1 - a.extra / (r.daily * (1 + r.growth * d.idx / 365.0)
                                                           * if(d.weekend, r.weekend_factor, 1)))) as decimal(18,6)) as list_cost,
    if(r.commitment_id is not null and d.idx >= r.start_offset and d.idx < r.start_offset + r.term,
       r.commitment_id, null) as commitment_id,
    r.commitment_name, r.commitment_type, r.commitment_category, r.discount
  from demo_resources r cross join demo_days d cross join demo_params p
  left join demo_anomalies a on a.kind = 'hidden_spike' and a.team = r.team and a.drop_service = r.service
    and d.day between a.start_date and a.end_date
  union all
  select acc.provider, acc.billing_account_id, acc.billing_account_name, acc.currency, acc.sub_id, acc.sub_name,
    acc.sub_type, acc.region1, acc.region1_name, v.service_name, v.category, v.subcategory, v.sku_id, v.sku_meter,
    v.pricing_unit, v.unit_price, v.resource_type,
    replace(replace(replace(replace(replace(replace(v.id_template, '{region}', acc.region1), '{sub}', acc.sub_id),
      '{team}', a.team), '{n}', '90'), '{h}', left(md5(a.kind || a.team || a.service), 17)),
      '{H}', upper(left(md5(a.kind || a.team || a.service), 13))),
    a.team || '-' || a.service || '-90', json_object('team', a.team, 'env', 'prod', 'app', a.team || '-' || a.service)::varchar,
    d.day, d.month_start, d.month_end,
    cast(a.extra * if(a.kind = 'ramp', (d.day - a.start_date + 1) / (a.end_date - a.start_date + 1), 1) as decimal(18,6)),
    null, null, null, null, null
  from demo_anomalies a join demo_days d on d.day between a.start_date and a.end_date
  join demo_accounts acc on acc.key = a.account join demo_services v on v.key = a.service
)
select
  provider as ProviderName, provider as ServiceProviderName, provider as HostProviderName,
  provider as InvoiceIssuerName, provider as PublisherName,
  billing_account_id as BillingAccountId, billing_account_name as BillingAccountName, currency as BillingCurrency,
  currency as PricingCurrency, sub_id as SubAccountId, sub_name as SubAccountName, sub_type as SubAccountType,
  month_start as BillingPeriodStart, month_end as BillingPeriodEnd,
  cast(day as timestamp) as ChargePeriodStart, cast(day as timestamp) + interval 1 day as ChargePeriodEnd,
  'Usage' as ChargeCategory, 'Usage-Based' as ChargeFrequency, sku_meter || ' in ' || region_id as ChargeDescription,
  if(month_start < date_trunc('month', (select today from demo_params)),
     'INV-' || billing_account_id || '-' || strftime(month_start, '%Y%m'), null) as InvoiceId,
  service_name as ServiceName, category as ServiceCategory, subcategory as ServiceSubcategory,
  sku_id as SkuId, sku_meter as SkuMeter, sku_id || ':' || pricing_unit as SkuPriceId,
  region_id as RegionId, region_name as RegionName,
  resource_id as ResourceId, resource_name as ResourceName, resource_type as ResourceType, tags as Tags,
  if(commitment_id is null, 'Standard', 'Committed') as PricingCategory, pricing_unit as PricingUnit,
  cast(cast(list_cost / unit_price as decimal(18,6)) as decimal(38,12)) as PricingQuantity,
  cast(cast(list_cost / unit_price as decimal(18,6)) as decimal(38,12)) as ConsumedQuantity, pricing_unit as ConsumedUnit,
  cast(unit_price as decimal(38,12)) as ListUnitPrice, cast(unit_price as decimal(38,12)) as ContractedUnitPrice,
  cast(list_cost as decimal(38,12)) as ListCost, cast(list_cost as decimal(38,12)) as ContractedCost,
  cast(if(commitment_id is null, list_cost, 0) as decimal(38,12)) as BilledCost,
  cast(if(commitment_id is null, list_cost, cast(list_cost * (1 - discount) as decimal(18,6))) as decimal(38,12))
    as EffectiveCost,
  commitment_id as CommitmentDiscountId, if(commitment_id is null, null, commitment_name) as CommitmentDiscountName,
  if(commitment_id is null, null, commitment_type) as CommitmentDiscountType,
  if(commitment_id is null, null, commitment_category) as CommitmentDiscountCategory,
  if(commitment_id is null, null, 'Used') as CommitmentDiscountStatus
from lines
"""
