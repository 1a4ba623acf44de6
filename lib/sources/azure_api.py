"""Azure connectors: the Cost Management Query API (daily aggregates) and export folders.

kind `azure-query`, params:
    scope         e.g. /providers/Microsoft.Billing/billingAccounts/8611537 or /subscriptions/<id>
    tag_key       optional: group by SubscriptionId and TagKey <tag_key> instead of ServiceName
    endpoint      optional management endpoint (default https://management.azure.com)
kind `azure-export-folder`: cost-details exports in a local folder (see lib/sources/folder.py);
kind `azure-export-blob`: the same exports in a storage container (see lib/sources/azure_blob.py).

Each month is queried twice, ActualCost (BilledCost) and AmortizedCost (EffectiveCost),
daily, grouped by SubscriptionId and ServiceName; the two answers are joined on (day,
group) so each total matches its own Azure view. Pages follow `nextLink`; a 429 waits for
its `Retry-After` header and retries, as do 5xx answers (with backoff); a 401/403 is
reported as a credentials problem. Credentials: azure-identity (DefaultAzureCredential:
environment, managed identity, Azure CLI), or tenant_id/client_id/client_secret or an
access_token in the `[sources.<name>]` secrets section.
"""

import json
import time
from pathlib import Path

from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.core.rest import HttpRequest

from lib.core.problems import Problem
from lib.core.sql import literal
from lib.sources import folder

TRIES = 5


class StaticToken:
    """A bearer token given in secrets (e.g. from `az account get-access-token`); it expires on its own."""

    def __init__(self, token: str):
        self.token = token

    def get_token(self, *scopes, **kwargs):
        from azure.core.credentials import AccessToken

        return AccessToken(self.token, int(time.time()) + 3600)

    def get_token_info(self, *scopes, **kwargs):
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo(self.token, int(time.time()) + 3600)


def credential(src):
    from azure.identity import ClientSecretCredential, DefaultAzureCredential

    s = src.secrets()
    if s.get("access_token"):
        return StaticToken(str(s["access_token"]))
    if {"tenant_id", "client_id", "client_secret"} <= set(s):
        return ClientSecretCredential(s["tenant_id"], s["client_id"], s["client_secret"])
    return DefaultAzureCredential()


def client(src, cred=None):
    from azure.mgmt.costmanagement import CostManagementClient

    return CostManagementClient(cred or credential(src), base_url=src.params.get("endpoint",
                                "https://management.azure.com"), retry_total=0)


def definition(kind: str, month: str, tag_key: str | None) -> dict:
    start, end = f"{month}-01T00:00:00Z", _month_end(month)
    second = {"type": "TagKey", "name": tag_key} if tag_key else {"type": "Dimension", "name": "ServiceName"}
    return {"type": kind, "timeframe": "Custom", "timePeriod": {"from": start, "to": end},
            "dataset": {"granularity": "Daily", "aggregation": {"totalCost": {"name": "Cost", "function": "Sum"}},
                        "grouping": [{"type": "Dimension", "name": "SubscriptionId"}, second]}}


def _month_end(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
            30, 31][mon - 1]
    return f"{month}-{last:02d}T23:59:59Z"


def with_retry(call, sleep=time.sleep):
    """Run call(); on 429 wait Retry-After seconds, on 5xx back off; give up after TRIES."""
    for attempt in range(TRIES):
        try:
            return call()
        except HttpResponseError as exc:
            status = exc.status_code or 0
            if status in (401, 403):
                raise PermissionError(f"Azure refused the credentials ({status}): they are missing, expired or "
                                      f"lack Cost Management Reader on the scope") from None
            if (status != 429 and status < 500) or attempt == TRIES - 1:
                raise
            headers = exc.response.headers if exc.response is not None else {}
            wait = float(headers.get("Retry-After") or headers.get("x-ms-ratelimit-microsoft.costmanagement-"
                                                                   "entity-retry-after") or 2 ** attempt)
            sleep(min(wait, 60))


def query_pages(cm, scope: str, body: dict, sleep=time.sleep) -> list[dict]:
    """Every page of one query as {"columns": [...], "rows": [...]}, following nextLink."""
    first = with_retry(lambda: cm.query.usage(scope, body, enforce_https=False), sleep)
    out = [{"columns": [c.name for c in first.columns or []], "rows": first.rows or []}]
    link = first.next_link
    while link:
        response = with_retry(lambda url=link: _post(cm, url, body), sleep)
        props = response.get("properties", {})
        out.append({"columns": [c["name"] for c in props.get("columns", [])], "rows": props.get("rows", [])})
        link = props.get("nextLink")
    return out


def _post(cm, link: str, body: dict) -> dict:
    response = cm.send_request(HttpRequest("POST", link, json=body), enforce_https=False)
    response.raise_for_status()
    return response.json()


def write_rows(workdir: Path, name: str, pages: list[dict]) -> Path:
    """Positional rows to JSON lines keyed by column name (lower-case), for the SQL mapping."""
    path = workdir / f"{name}.jsonl"
    with path.open("w") as out:
        for page in pages:
            cols = ["cost" if c.lower() == "pretaxcost" else c.lower() for c in page["columns"]]
            for row in page["rows"]:
                out.write(json.dumps(dict(zip(cols, row))) + "\n")
    return path


def query_sql(actual: Path, amortized: Path, scope: str, tag_key: str | None) -> str:
    """Join the ActualCost and AmortizedCost answers on (day, subscription, group, currency)."""
    group = "tagvalue" if tag_key else "servicename"
    cost = "try_cast(cost as decimal(38,12))"
    read = (f"select cast(usagedate as varchar) as d, subscriptionid as sub, {group} as grp, currency as cur, "
            f"sum({cost}) as amount from read_json(?, format = 'newline_delimited', union_by_name = true) "
            f"group by all")
    tags = (f"case when b.grp is not null and b.grp <> '' then to_json(map([{literal(tag_key or '')}], "
            f"[b.grp]))::varchar end" if tag_key else "cast(null as varchar)")
    return f"""
    select row_number() over () as _row, {literal(scope)} as BillingAccountId, b.sub as SubAccountId,
        b.cur as BillingCurrency, date_trunc('month', strptime(b.d, '%Y%m%d')) as BillingPeriodStart,
        date_trunc('month', strptime(b.d, '%Y%m%d')) + interval 1 month as BillingPeriodEnd,
        strptime(b.d, '%Y%m%d') as ChargePeriodStart, strptime(b.d, '%Y%m%d') + interval 1 day as ChargePeriodEnd,
        coalesce(a.amount, 0) as BilledCost, coalesce(m.amount, 0) as EffectiveCost,
        coalesce(a.amount, 0) as ListCost, 'Usage' as ChargeCategory,
        'Microsoft' as ProviderName, 'Microsoft' as ServiceProviderName, 'Microsoft' as HostProviderName,
        'Microsoft' as InvoiceIssuerName, {"'Azure'" if tag_key else "coalesce(b.grp, 'Azure')"} as ServiceName,
        {tags} as Tags
    from (select distinct d, sub, grp, cur from ({read.replace('?', literal(str(actual)))})
          union select distinct d, sub, grp, cur from ({read.replace('?', literal(str(amortized)))})) b
    left join ({read.replace('?', literal(str(actual)))}) a using (d, sub, grp, cur)
    left join ({read.replace('?', literal(str(amortized)))}) m using (d, sub, grp, cur)"""


def query_fetch(src, con, months, workdir: Path, progress=None, cred=None, sleep=time.sleep):
    scope = src.params.get("scope")
    if not scope:
        return [], [Problem(src.name, None, "scope", "params.scope is missing in settings.yaml")]
    cm, tag_key = client(src, cred), src.params.get("tag_key")
    inputs = []
    for i, month in enumerate(months):
        paths = []
        for kind in ("ActualCost", "AmortizedCost"):
            try:
                pages = query_pages(cm, scope.strip("/"), definition(kind, month, tag_key), sleep)
            except (HttpResponseError, PermissionError, ClientAuthenticationError) as exc:
                reason = str(exc).splitlines()[0]
                return [], [Problem(src.name, None, None, f"Azure {kind} query for {month} failed: {reason}")]
            paths.append(write_rows(workdir, f"{kind}-{month}", pages))
        if all(p.stat().st_size == 0 for p in paths):
            continue
        for p in paths:  # an empty answer still needs the columns for the join
            if p.stat().st_size == 0:
                p.write_text(json.dumps({"usagedate": None, "subscriptionid": None, "servicename": None,
                                         "tagvalue": None, "currency": None, "cost": None}) + "\n")
        view = f"_azq_{i}"
        con.execute(f"create or replace temp view {view} as {query_sql(paths[0], paths[1], scope, tag_key)} "
                    f"where b.d is not null")
        inputs.append((f"{src.name} Cost Management {month}", view))
        if progress:
            progress((i + 1) / len(months), f"{src.name}: {month} fetched")
    return inputs, []


def fetch(src, con, months, workdir: Path, progress=None):
    if src.kind == "azure-export-folder":
        return folder.fetch(src, con, months, workdir, progress)
    return query_fetch(src, con, months, workdir, progress)
