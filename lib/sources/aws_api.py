"""AWS connectors: Cost Explorer (daily aggregates) and CUR 2.0 / FOCUS export files in S3.

kind `cost-explorer`, params:
    tag_key       optional; with it, each linked account is fetched grouped by SERVICE and
                  TAG:<tag_key> (Cost Explorer groups by at most two keys), so Tags carry it
    region        Cost Explorer region (default us-east-1)
    profile, role_arn   optional: a named profile, a role to assume
    billing_account_id  optional: the payer account (default: the caller's account)
kind `s3-export`, params: bucket, prefix, format (auto | aws-cur | focus), region, profile,
    role_arn. Files under `<prefix>` whose key contains `BILLING_PERIOD=YYYY-MM` (Data
    Exports layout) or `YYYYMM01-` (legacy CUR layout) are downloaded and normalized.

Credentials: the standard AWS chain (env keys, profiles, SSO, instance roles), or
`aws_access_key_id`/`aws_secret_access_key` in the `[sources.<name>]` secrets section.
Cost Explorer rows: ChargePeriod = the day; BilledCost = UnblendedCost, EffectiveCost =
AmortizedCost, ListCost = UnblendedCost; ServiceName = SERVICE; SubAccountId =
LINKED_ACCOUNT; `Tag$value` becomes {"tag": "value"} (an empty value means untagged).
"""

import json
from pathlib import Path

import boto3

from lib.core.problems import Problem
from lib.core.sql import literal
from lib.sources.folder import load_paths

METRICS = ["UnblendedCost", "AmortizedCost"]


def session(src) -> boto3.Session:
    keys = {k: v for k, v in src.secrets().items() if k in ("aws_access_key_id", "aws_secret_access_key",
                                                              "aws_session_token")}
    base = boto3.Session(profile_name=src.params.get("profile"), **keys)
    role = src.params.get("role_arn")
    if not role:
        return base
    creds = base.client("sts").assume_role(RoleArn=role, RoleSessionName="costbook-refresh")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"])


def month_range(month: str) -> tuple[str, str]:
    year, mon = int(month[:4]), int(month[5:])
    end = f"{year + (mon == 12)}-{1 if mon == 12 else mon + 1:02d}-01"
    return f"{month}-01", end


def pages(ce, request: dict) -> list[dict]:
    """Every page of one get_cost_and_usage call, following NextPageToken."""
    out, token = [], None
    while True:
        page = ce.get_cost_and_usage(**request, **({"NextPageToken": token} if token else {}))
        out.append(page)
        token = page.get("NextPageToken")
        if not token:
            return out


def ce_request(month: str, group_by: list[dict], account: str | None = None) -> dict:
    start, end = month_range(month)
    request = {"TimePeriod": {"Start": start, "End": end}, "Granularity": "DAILY", "Metrics": METRICS,
               "GroupBy": group_by}
    if account:
        request["Filter"] = {"Dimensions": {"Key": "LINKED_ACCOUNT", "Values": [account]}}
    return request


def write_pages(workdir: Path, month: str, found: list[tuple[str | None, dict]]) -> Path:
    """Save (account filter, page) answers as JSON lines for the SQL mapping."""
    path = workdir / f"ce-{month}.jsonl"
    with path.open("w") as out:
        for account, page in found:
            out.write(json.dumps({"account": account, "results": page.get("ResultsByTime", [])}) + "\n")
    return path


def ce_fetch(src, con, months, workdir: Path, progress=None):
    sess = session(src)
    ce = sess.client("ce", region_name=src.params.get("region", "us-east-1"))
    payer = str(src.params.get("billing_account_id") or sess.client("sts").get_caller_identity()["Account"])
    tag = src.params.get("tag_key")
    inputs = []
    for i, month in enumerate(months):
        by_account = [(None, p) for p in pages(ce, ce_request(month, [{"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"},
                                                                       {"Type": "DIMENSION", "Key": "SERVICE"}]))]
        found = by_account
        if tag:
            accounts = sorted({g["Keys"][0] for _, p in by_account for r in p.get("ResultsByTime", [])
                               for g in r.get("Groups", [])})
            found = [(a, p) for a in accounts for p in pages(ce, ce_request(
                month, [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "TAG", "Key": tag}], a))]
        if not any(r.get("Groups") for _, p in found for r in p.get("ResultsByTime", [])):
            continue  # nothing billed in this period: leave what is stored alone
        path = write_pages(workdir, month, found)
        view = f"_ce_{i}"
        con.execute(f"create or replace temp view {view} as {ce_sql(str(path), payer, bool(tag))}")
        inputs.append((f"{src.name} Cost Explorer {month}", view))
        if progress:
            progress((i + 1) / len(months), f"{src.name}: {month} fetched")
    return inputs, []


def ce_sql(path: str, payer: str, tagged: bool) -> str:
    """Cost Explorer pages (JSON lines) to FOCUS rows: one per day and group."""
    account = "g.account" if tagged else "g.grp.Keys[1]"
    service = "g.grp.Keys[1]" if tagged else "g.grp.Keys[2]"
    tag = ("case when split_part(g.grp.Keys[2], '$', 2) <> '' then to_json(map([split_part(g.grp.Keys[2], '$', 1)], "
           "[split_part(g.grp.Keys[2], '$', 2)]))::varchar end" if tagged else "cast(null as varchar)")
    return f"""
    select row_number() over () as _row, {literal(payer)} as BillingAccountId,
        {account} as SubAccountId,
        g.grp.Metrics.UnblendedCost.Unit as BillingCurrency,
        date_trunc('month', cast(g.period.Start as date)) as BillingPeriodStart,
        date_trunc('month', cast(g.period.Start as date)) + interval 1 month as BillingPeriodEnd,
        cast(g.period.Start as timestamp) as ChargePeriodStart, cast(g.period.End as timestamp) as ChargePeriodEnd,
        cast(g.grp.Metrics.UnblendedCost.Amount as decimal(38,12)) as BilledCost,
        cast(g.grp.Metrics.AmortizedCost.Amount as decimal(38,12)) as EffectiveCost,
        cast(g.grp.Metrics.UnblendedCost.Amount as decimal(38,12)) as ListCost,
        'Usage' as ChargeCategory, 'AWS' as ProviderName, 'AWS' as ServiceProviderName, 'AWS' as HostProviderName,
        'Amazon Web Services, Inc.' as InvoiceIssuerName, {service} as ServiceName, {tag} as Tags
    from (select r.account, r.res.TimePeriod as period, unnest(r.res.Groups) as grp
          from (select account, unnest(results) as res from read_json({literal(path)},
                format = 'newline_delimited', maximum_object_size = 268435456)) r) g"""


def s3_fetch(src, con, months, workdir: Path, progress=None):
    s3 = session(src).client("s3", region_name=src.params.get("region"))
    bucket, prefix = src.params.get("bucket"), str(src.params.get("prefix", ""))
    if not bucket:
        return [], [Problem(src.name, None, "bucket", "params.bucket is missing in settings.yaml")]
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", []) if o["Key"].lower().endswith((".csv", ".parquet",
                                                                                           ".csv.gz"))]
    marks = [f"BILLING_PERIOD={m}" for m in months] + [f"{m.replace('-', '')}01-" for m in months]
    chosen = [k for k in keys if any(mark in k for mark in marks)]
    if not chosen:
        return [], [Problem(src.name, None, None, f"no export files for {', '.join(months)} in s3://{bucket}/{prefix}")]
    paths = []
    for n, k in enumerate(chosen):
        dest = workdir / f"{n:04d}-{Path(k).name}"
        s3.download_file(bucket, k, str(dest))
        paths.append(dest)
        if progress:
            progress((n + 1) / len(chosen), f"{src.name}: downloaded {Path(k).name}")
    return load_paths(con, paths, str(src.params.get("format", "auto")), "_s3")


def fetch(src, con, months, workdir: Path, progress=None):
    if src.kind == "s3-export":
        return s3_fetch(src, con, months, workdir, progress)
    return ce_fetch(src, con, months, workdir, progress)
