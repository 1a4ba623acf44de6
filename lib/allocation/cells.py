"""The allocated bill of a period rounded to cents once: the cells every number a person reads adds up.

A cell is one (period, currency, provider, billing account, invoice, team, rule, service, account,
region, charge category, ...) of the allocation: fine enough for every table a page, a statement,
the journal or the reconciliation shows. Each cost column (billed, effective, list) is rounded on
its own, anchored on the invoice:

1. each billing account and invoice of a currency gets its total rounded half-up, the amount the
   provider bills;
2. that amount is split over the account's teams (Unallocated is one) by largest remainder: every
   team's exact amount is floored to a cent, and the cents still missing go to the largest remainders;
3. each team's amount in the account is split over the team's cells of that account the same way.

So an account's cells add up to its invoice, a team's cells to its total within a cent of the exact
amount per billing account it has charges in, and any sum of cells (a team, a department, a
provider, a service) is a sum a person can check with a calculator. Below the cells, a resource
list (drill-down, a statement's top resources) splits each cell's cents over its resources the
same way (`resources_sql`), so a resource adds up to the line it belongs to.

>>> import duckdb
>>> con = duckdb.connect()
>>> _ = con.execute(example_sql([("web", "EC2", "0.335"), ("search", "EC2", "0.335"), ("web", "S3", "0.33")]))
>>> con.execute(f"select team, ServiceName, effective, effective_exact from ({lattice_sql('example')}) "
...             "order by 1, 2").fetchall()    # doctest: +NORMALIZE_WHITESPACE
[('search', 'EC2', Decimal('0.34'), Decimal('0.335000000000')),
 ('web', 'EC2', Decimal('0.33'), Decimal('0.335000000000')),
 ('web', 'S3', Decimal('0.33'), Decimal('0.330000000000'))]
"""

from lib.allocation import engine
from lib.core.sql import literal
from lib.store import crypto

ACCOUNT = ("x_BillingPeriod", "BillingCurrency", "ProviderName", "BillingAccountId", "InvoiceId")  # one anchor
KEYS = ("x_BillingPeriod", "BillingCurrency", "team", "department", "rules_version", "rule", "reason",
        *engine.DIMS)
RESOURCE = tuple(d for d in engine.RESOURCE_DIMS if d not in engine.DIMS)  # finer than a cell
COSTS = ("billed", "effective", "list")


def _cents(part: str, target: str, partition: str, order: str) -> str:
    """SQL: `part` in whole cents, floored, plus one for the largest remainders of its partition
    while the partition's cents fall short of `target` (cents)."""
    floor = f"floor({part} * 100)"
    return (f"{floor} + case when row_number() over (partition by {partition} order by {part} * 100 - {floor} desc, "
            f"{order}) <= {target} - sum({floor}) over (partition by {partition}) then 1 else 0 end")


def _same(left: str, right: str, cols) -> str:
    return " and ".join(f"{left}.{c} is not distinct from {right}.{c}" for c in cols)


def lattice_sql(source: str) -> str:
    """The cells of an allocation (`source`: a FROM item with the columns of the `allocated` view).

    Columns: KEYS, share (None where it varies within the cell), billed/effective/list in cents
    (DECIMAL(38,2)), their exact sums (*_exact) and the number of charges.
    """
    keys, acct = ", ".join(KEYS), ", ".join(ACCOUNT)
    exact = ", ".join(f"sum({c}) as {c}_exact" for c in COSTS)
    team_sums = ", ".join(f"sum({c}_exact) as {c}_t" for c in COSTS)
    team_cents = ", ".join(
        _cents(f"{c}_t", f"round(sum({c}_t) over (partition by {acct}), 2) * 100", acct, "team") + f" as {c}_tc"
        for c in COSTS)
    order = ", ".join(f"c.{k}" for k in KEYS)
    cell_cents = ", ".join(
        f"cast(cast({_cents(f'c.{c}_exact', f't.{c}_tc', ', '.join(f'c.{a}' for a in (*ACCOUNT, 'team')), order)}"
        f" as decimal(38,0)) * 0.01 as decimal(38,2)) as {c}" for c in COSTS)
    return f"""
        with c as (
            select {keys}, case when min(share) = max(share) then min(share) end as share, {exact},
                   cast(sum(charges) as bigint) as charges
            from {source} group by {keys}),
        t as (select {acct}, team, {team_cents} from (select {acct}, team, {team_sums} from c group by all)),
        r as (select {", ".join(f"c.{k}" for k in KEYS)}, c.share, {cell_cents},
                     {", ".join(f"c.{x}_exact" for x in COSTS)}, c.charges
              from c join t on {_same("c", "t", (*ACCOUNT, "team"))})
        select * from r"""


def resources_sql(source: str, cells: str, metric: str) -> str:
    """An allocation at resource grain (`source`, lib.allocation.resources) in cents on one cost basis: each
    cell of `cells` split over its resources by largest remainder. Columns: KEYS, RESOURCE, share, `metric`
    (cents), `metric`_exact and charges. A cell is found by its keys (the period, rules version and department
    follow from the period and team) and numbered, so the split is one window over a number."""
    fixed = ("x_BillingPeriod", "rules_version", "department")
    on = _same("r", "c", [k for k in KEYS if k not in fixed])
    cents = _cents(f"r.{metric}", f"c.{metric} * 100", "c.cell", ", ".join(f"r.{k}" for k in RESOURCE))
    return f"""
        select {", ".join(f"r.{k}" for k in (*KEYS, *RESOURCE))}, r.share,
               cast(cast({cents} as decimal(38,0)) * 0.01 as decimal(38,2)) as {metric},
               r.{metric} as {metric}_exact, r.charges
        from {source} r join (select *, row_number() over () as cell from {cells}) c on {on}"""


def write(con, sql: str, out_path: str) -> None:
    """Write a query's rows as Parquet (encrypted like the lake): write(con, lattice_sql(source), path)."""
    options = crypto.parquet_write_options(con)
    con.execute(f"copy ({sql}) to {literal(out_path)} (format parquet, compression zstd{options})")


def empty_sql(extra: tuple[str, ...] = ()) -> str:
    """A query with the columns of the cells (and `extra` text columns) and no rows."""
    text = {"rules_version": "integer"}
    cols = [f"cast(null as {text.get(k, 'varchar')}) as {k}" for k in (*KEYS, *extra)]
    cols += ["cast(null as decimal(18,12)) as share"]
    cols += [f"cast(null as decimal(38,2)) as {c}" for c in COSTS]
    cols += [f"cast(null as decimal(38,12)) as {c}_exact" for c in COSTS] + ["cast(null as bigint) as charges"]
    return f"select {', '.join(cols)} where false"


def example_sql(rows: list[tuple[str, str, str]], name: str = "example") -> str:
    """SQL creating a small allocation table `name` from (team, service, amount) rows, for examples."""
    def value(key: str, team: str, service: str) -> str:
        return {"team": literal(team), "ServiceName": literal(service), "rules_version": "1",
                "x_BillingPeriod": "'2026-10'", "BillingCurrency": "'USD'"}.get(key, "'x'")
    selects = [f"select {', '.join(f'{value(k, t, s)} as {k}' for k in KEYS)}, cast(1 as decimal(18,12)) as share, "
               + ", ".join(f"cast({literal(a)} as decimal(38,12)) as {c}" for c in COSTS) + ", 1 as charges"
               for t, s, a in rows]
    return f"create or replace table {name} as " + " union all ".join(selects)
