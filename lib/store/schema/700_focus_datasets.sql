-- Lake files written since FOCUS 1.3/1.4 support carry more columns (lib.core.focus.ADDED_IN_SCHEMA).
alter table lake_files add column lake_schema integer not null default 1;
-- FOCUS datasets beside cost and usage (lib.sources.focus_datasets). Times are UTC 'YYYY-MM-DDTHH:MM:SSZ',
-- amounts exact decimal text; columns FOCUS has and Costbook does not read are kept in `extra` (JSON).
create table focus_contract_commitments (
    contract_commitment_id text primary key,
    contract_id text not null,
    category text not null,
    type text not null,
    description text,
    cost text,
    quantity text,
    unit text,
    billing_currency text,
    period_start text not null,
    period_end text not null,
    contract_period_start text not null,
    contract_period_end text not null,
    extra text not null default '{}',
    file text not null,
    imported_at text not null
);
-- Every status an invoice issuer reported for a billing period, oldest first: the current one is the
-- latest, and a Closed period that changes afterwards is a correction to flag.
create table focus_billing_periods (
    id integer primary key,
    invoice_issuer text not null,
    period_start text not null,
    period_end text not null,
    period text not null,
    status text not null,
    created text not null,
    last_updated text not null,
    extra text not null default '{}',
    file text not null,
    imported_at text not null,
    after_run integer not null default 0,  -- the latest ingest run when it was imported: later runs came after
    unique (invoice_issuer, period_start, status, last_updated)
);
create table focus_invoice_details (
    invoice_issuer text not null,
    invoice_id text not null,
    invoice_detail_id text not null,
    billing_account_id text not null,
    billing_currency text not null,
    charge_category text not null,
    period_start text not null,
    period_end text not null,
    period text not null,
    billed_cost text not null,
    issue_status text,
    issue_date text,
    description text,
    extra text not null default '{}',
    file text not null,
    imported_at text not null,
    primary key (invoice_issuer, invoice_id, invoice_detail_id)
);
create index focus_invoice_details_period on focus_invoice_details(period, billing_account_id);
