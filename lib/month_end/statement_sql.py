"""The statement queries (lib.month_end.statements assembles their rows).

Lines and trend read the view `cells` (lib.allocation.cells): a line is one (team, provider,
service, account, rule, share), the sum of its cells in cents, so no statement rounds on its own.
"""

LINES_SQL = """
    select {column}, BillingCurrency, team, ProviderName, ServiceName, coalesce(SubAccountId, ''),
           coalesce(SubAccountName, ''), coalesce(rule, ''), coalesce(share, 1), sum({metric})
    from cells where x_BillingPeriod = ? and {subjects}
    group by all order by 1, 2, 3, 4, 5, 6, 7, 8, 9"""

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
