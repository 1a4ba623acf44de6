"""The statement queries (lib.month_end.statements assembles their rows).

Lines and trend read the view `cells` (lib.allocation.cells): a line is one (team, provider,
service, account, rule, share), the sum of its cells in cents, so no statement rounds on its own.
A share that varies within the month (a usage split weighs each day) gives one line per rule
instead, its share left empty for the statement to fill with the team's share of the month's usage.
"""

LINES_SQL = """
    with rows as (
        select {column} as subject, BillingCurrency, team, ProviderName, ServiceName,
               coalesce(SubAccountId, '') as account_id, coalesce(SubAccountName, '') as account_name,
               coalesce(rule, '') as rule, share, sum({metric}) as amount
        from cells where x_BillingPeriod = ? and {subjects} group by all),
    marked as (
        select *, rule <> '' and (count(share) over line < count(*) over line
                                  or min(share) over line <> max(share) over line) as varies
        from rows
        window line as (partition by subject, BillingCurrency, team, ProviderName, ServiceName, account_id,
                        account_name, rule))
    select subject, BillingCurrency, team, ProviderName, ServiceName, account_id, account_name, rule,
           case when varies then null else coalesce(share, 1) end, sum(amount)
    from marked group by all order by 1, 2, 3, 4, 5, 6, 7, 8, 9"""

TREND_SQL = """
    select {column}, BillingCurrency, x_BillingPeriod, sum({metric}) from cells
    where x_BillingPeriod between ? and ? and {subjects} group by all order by 1, 2, 3"""

TOP_RESOURCES_SQL = """
    select * from (
        select {column} as subject, BillingCurrency, coalesce(ResourceId, '') as rid,
               coalesce(ResourceName, '') as rname, ServiceName, sum({metric}) as amount
        from {source} where x_BillingPeriod = ? and {subjects} and ResourceId is not null group by 1, 2, 3, 4, 5)
    qualify row_number() over (partition by subject, BillingCurrency order by amount desc, rid) <= ?
    order by 1, 2, 6 desc, 3"""
