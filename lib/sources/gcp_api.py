"""Google Cloud connector: the BigQuery billing export, one invoice month at a time.

kind `bigquery-export`, params:
    table         project.dataset.gcp_billing_export_resource_v1_XXXXXX (detailed) or
                  ..._v1_XXXXXX (standard)
    project       the project that runs (and pays for) the query; default: the table's
    detailed      true for the detailed (resource-level) export: adds resource.name/global_name
    endpoint      optional API endpoint (an emulator); billing_endpoint likewise for Cloud Billing
    anonymous     true to send no credentials (emulators only)

The query reads one `invoice.month` and prunes partitions by `_PARTITIONTIME` (a month
of exports lands between a few days before and about six weeks after the month), never
a full scan. Nested fields come back flattened (`service.description`) with arrays as
JSON text, written to Parquet, and normalized by lib/sources/gcp_billing.py, the same
SQL that reads exported files. The billing account's display name comes from the Cloud
Billing API (google-cloud-billing). Credentials: application default credentials, or a
service account JSON in `[sources.<name>] service_account_json` of secrets.toml.
"""

import json
from pathlib import Path

import pyarrow.parquet as pq

from lib.core.problems import Problem
from lib.core.sql import literal
from lib.sources import gcp_billing

SCALARS = ("billing_account_id", "service.id", "service.description", "sku.id", "sku.description",
           "project.id", "project.name", "location.location", "location.region", "location.zone",
           "currency", "usage.unit", "usage.pricing_unit", "invoice.month", "cost_type", "seller_name",
           "adjustment_info.mode", "subscription.instance_id")
TEXT_NUMBERS = ("cost", "cost_at_list", "usage.amount", "usage.amount_in_pricing_units")
TIMES = ("usage_start_time", "usage_end_time")
ARRAYS = ("credits", "labels", "system_labels", "tags", "project.labels")
DETAILED = ("resource.name", "resource.global_name")


def query_sql(table: str, detailed: bool) -> str:
    """BigQuery SQL: one invoice month, partition-pruned, flattened to scalar columns."""
    cols = [f"{c} as `{c}`" for c in SCALARS + (DETAILED if detailed else ())]
    cols += [f"cast({c} as string) as `{c}`" for c in TEXT_NUMBERS]
    cols += [f"format_timestamp('%Y-%m-%dT%H:%M:%SZ', {c}) as `{c}`" for c in TIMES]
    cols += [f"to_json_string({c}) as `{c}`" for c in ARRAYS]
    return (f"select {', '.join(cols)} from `{table}` where invoice.month = @month "
            f"and _PARTITIONTIME >= timestamp_sub(timestamp(@first_day), interval 7 day) "
            f"and _PARTITIONTIME < timestamp_add(timestamp(@first_day), interval 75 day)")


def clients(src):
    from google.cloud import bigquery
    from google.cloud.billing_v1 import CloudBillingClient

    info = src.secrets().get("service_account_json")
    creds = None
    if info:
        from google.oauth2 import service_account

        creds = service_account.Credentials.from_service_account_info(json.loads(info))
    elif src.params.get("anonymous"):  # a local BigQuery emulator needs no credentials
        from google.auth.credentials import AnonymousCredentials

        creds = AnonymousCredentials()
    return _make(src, bigquery, CloudBillingClient, creds)


def _make(src, bigquery, billing_cls, creds):
    endpoint, table = src.params.get("endpoint"), str(src.params.get("table", ""))
    project = src.params.get("project") or table.split(".")[0]
    bq = bigquery.Client(project=project, credentials=creds,
                         client_options={"api_endpoint": endpoint} if endpoint else None)
    billing_endpoint = src.params.get("billing_endpoint")
    billing = billing_cls(credentials=creds, transport="rest",
                          client_options={"api_endpoint": billing_endpoint} if billing_endpoint else None)
    return bq, billing


def account_names(billing, accounts: list[str]) -> dict[str, str]:
    """Display names of billing accounts; an account we may not read keeps no name."""
    names = {}
    for acct in accounts:
        try:
            names[acct] = billing.get_billing_account(name=f"billingAccounts/{acct}").display_name
        except Exception:  # a missing billing.accounts.get permission must not fail the refresh
            continue
    return names


def fetch(src, con, months, workdir: Path, progress=None, made=None):
    from google.cloud import bigquery
    from google.cloud.bigquery.retry import DEFAULT_JOB_RETRY

    table = src.params.get("table")
    if not table:
        return [], [Problem(src.name, None, "table", "params.table is missing in settings.yaml")]
    bq, billing = made or clients(src)
    inputs = []
    for i, month in enumerate(months):
        config = bigquery.QueryJobConfig(query_parameters=[
            bigquery.ScalarQueryParameter("month", "STRING", month.replace("-", "")),
            bigquery.ScalarQueryParameter("first_day", "STRING", f"{month}-01")])
        try:
            deadline = float(src.params.get("retry_deadline", 600))  # 5xx/429 are retried until then
            arrow = bq.query_and_wait(query_sql(table, bool(src.params.get("detailed"))), job_config=config,
                                      retry=bigquery.DEFAULT_RETRY.with_deadline(deadline),
                                      job_retry=DEFAULT_JOB_RETRY.with_deadline(deadline)).to_arrow()
        except Exception as exc:  # google.api_core errors carry the HTTP status and reason
            return [], [Problem(src.name, None, None, f"BigQuery query for {month} failed: "
                                                      f"{str(exc).splitlines()[0]}")]
        if arrow.num_rows == 0:
            continue
        path = workdir / f"gcp-{month}.parquet"
        pq.write_table(arrow, path)
        problems = gcp_billing.load(con, str(path), f"_gcp_{i}")
        if problems:
            return [], problems
        inputs.append((f"{src.name} {month}", named(con, f"_gcp_{i}", billing)))
        if progress:
            progress((i + 1) / len(months), f"{src.name}: {month} fetched")
    return inputs, []


def named(con, view: str, billing) -> str:
    """Add BillingAccountName from Cloud Billing to a normalized view."""
    accounts = [r[0] for r in con.execute(f"select distinct BillingAccountId from {view}").fetchall() if r[0]]
    names = account_names(billing, accounts)
    cases = " ".join(f"when {literal(a)} then {literal(n)}" for a, n in names.items())
    expr = f"case BillingAccountId {cases} end" if cases else "cast(null as varchar)"
    con.execute(f"create or replace temp view {view}_named as select *, {expr} as BillingAccountName from {view}")
    return f"{view}_named"
