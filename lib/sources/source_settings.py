"""Billing sources edited from the app: what each kind needs, its secrets, saving, removing, testing.

The settings live in `<data dir>/settings.yaml` (lib.sources.refresh reads them); secrets never
do: they stay in the `[sources.<name>]` section of secrets.toml or in the SDK's environment
variables. This module says which names a kind reads and whether each is set (never a value),
writes a changed source list only after it passes the same checks a refresh makes, and tests
a source by fetching one month exactly as a refresh would, without loading anything.

>>> [p.name for p in KINDS["s3-export"].params if p.required]
['bucket']
>>> probe(store, user, Source("aws-prod", "aws", "cost-explorer"), "2026-10").lines    # doctest: +SKIP
['2026-10: 1,240 rows from billing account 381492006512', 'USD: $12,845.10 billed']
"""

import os
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml

from lib.core import access
from lib.core.money import fmt
from lib.core.problems import Problem
from lib.sources.refresh import KINDS as KIND_NAMES
from lib.sources.refresh import SECRET_PARAMS, Source, connector, load_sources, parse_sources, settings_path
from lib.store import audit
from lib.store.lake import new_duck
from lib.store.state import Store


@dataclass(frozen=True)
class Param:
    name: str
    help: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()  # a pick list; ("true", "false") is a switch


@dataclass(frozen=True)
class Kind:
    kind: str
    label: str
    provider: str
    params: tuple[Param, ...]
    secrets: tuple[str, ...] = ()  # keys read from [sources.<name>] in secrets.toml
    environment: tuple[str, ...] = ()  # the SDK's own variables, an alternative to secrets.toml


AWS_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE")
AWS_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
AZURE_ENV = ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET")
AZURE_KEYS = ("tenant_id", "client_id", "client_secret", "access_token")
SWITCH = ("false", "true")
AWS_ACCESS = (Param("region", "AWS region (Cost Explorer: us-east-1)"), Param("profile", "a named AWS profile"),
              Param("role_arn", "a role to assume"))
KINDS: dict[str, Kind] = {k.kind: k for k in (
    Kind("cost-explorer", "AWS Cost Explorer (daily totals)", "aws",
         (Param("tag_key", "group by this cost allocation tag as well"), *AWS_ACCESS,
          Param("billing_account_id", "the payer account (default: the caller's)")), AWS_KEYS, AWS_ENV),
    Kind("s3-export", "AWS CUR 2.0 or FOCUS export in S3", "aws",
         (Param("bucket", required=True), Param("prefix", "the export's folder in the bucket"),
          Param("format", choices=("auto", "aws-cur", "focus")), *AWS_ACCESS), AWS_KEYS, AWS_ENV),
    Kind("azure-query", "Azure Cost Management query", "azure",
         (Param("scope", "e.g. /providers/Microsoft.Billing/billingAccounts/8611537", required=True),
          Param("tag_key", "group by this tag instead of the service"), Param("endpoint", "management endpoint")),
         AZURE_KEYS, AZURE_ENV),
    Kind("azure-export-blob", "Azure exports in a storage account", "azure",
         (Param("container", required=True), Param("prefix", "the exports' root folder"),
          Param("account_url", "https://<account>.blob.core.windows.net"),
          Param("format", choices=("azure-export", "focus", "auto"))),
         ("connection_string", "sas_token", "account_key", *AZURE_KEYS[:3]), AZURE_ENV),
    Kind("azure-export-folder", "Azure exports in a folder", "azure",
         (Param("path", "a folder on this machine", required=True), Param("format", choices=("azure-export", "focus")))),
    Kind("bigquery-export", "Google Cloud billing export in BigQuery", "gcp",
         (Param("table", "project.dataset.gcp_billing_export_resource_v1_…", required=True),
          Param("project", "the project that runs the query (default: the table's)"),
          Param("detailed", "the detailed (resource-level) export", choices=SWITCH),
          Param("endpoint", "API endpoint (an emulator)"), Param("billing_endpoint"),
          Param("anonymous", "send no credentials (emulators only)", choices=SWITCH)),
         ("service_account_json",), ("GOOGLE_APPLICATION_CREDENTIALS",)),
    Kind("opencost", "OpenCost usage of a Kubernetes cluster (for usage splits)", "kubernetes",
         (Param("url", "OpenCost's API, e.g. http://opencost.opencost.svc:9003", required=True),
          Param("cluster", "the cluster's name, when its data names none"),
          Param("aggregate", "namespace (default), or finer keeping the namespace"),
          Param("timeout", "seconds per month (default 300)")), ("token",)),
    Kind("folder", "Billing files dropped in a folder", "any",
         (Param("path", "a folder on this machine", required=True),
          Param("format", choices=("auto", "focus", "aws-cur", "azure-export", "gcp-billing-export")))),
)}
assert set(KINDS) == set(KIND_NAMES)


@dataclass(frozen=True)
class SecretStatus:
    name: str
    where: str  # 'secrets.toml [sources.<name>]' or 'environment'
    set: bool


def secret_status(src: Source) -> list[SecretStatus]:
    """Every secret name the source's kind reads, where it is looked up and whether it is set (no values)."""
    kind = KINDS[src.kind]
    found = src.secrets()
    return ([SecretStatus(k, f"secrets.toml [sources.{src.name or '<name>'}]", found.get(k) not in (None, "")) for k in kind.secrets]
            + [SecretStatus(k, "environment", bool(os.environ.get(k))) for k in kind.environment])


def clean(src: Source) -> Source:
    """The source with empty params dropped and switches as booleans (what settings.yaml keeps)."""
    params = {}
    for k, v in src.params.items():
        if v in (None, ""):
            continue
        params[k] = v == "true" if v in SWITCH else v
    return Source(src.name.strip(), KINDS[src.kind].provider if src.kind in KINDS else src.provider, src.kind, params)


def check(src: Source) -> list[str]:
    """What is missing from one source before it can be saved or tested."""
    problems = [] if src.name else ["a source needs a name"]
    if src.kind not in KINDS:
        return problems + [f"kind {src.kind!r} is not one of {', '.join(KINDS)}"]
    problems += [f"{src.name}: {p.name} is needed" for p in KINDS[src.kind].params if p.required and not src.params.get(p.name)]
    return problems + [f"{src.name}: {k} is a secret: put it in secrets.toml [sources.{src.name}]"
                       for k in src.params if k in SECRET_PARAMS]


def _write(store: Store, sources: list[Source]) -> list[str]:
    path = settings_path(store)
    doc = (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}
    doc["sources"] = [{"name": s.name, "provider": s.provider, "kind": s.kind, **({"params": s.params} if s.params else {})}
                      for s in sources]
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    _, errors = parse_sources(text)
    if errors:
        return errors
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(text)
    tmp.replace(path)  # a reader sees the old file or the new one, never half of one
    return []


def save_source(store: Store, user: access.User, src: Source, replaces: str | None = None) -> list[str]:
    """Add a source, or replace the one named `replaces` (it may be renamed); audited. Returns problems."""
    access.require(user, "manage_sources")
    src = clean(src)
    sources, errors = load_sources(store)
    problems = errors + check(src)
    if any(s.name == src.name for s in sources if s.name != replaces):
        problems.append(f"a source named {src.name!r} already exists")
    if problems:
        return problems
    kept = [src if s.name == replaces else s for s in sources]
    problems = _write(store, kept if replaces in {s.name for s in sources} else [*sources, src])
    if not problems:
        audit.record(store, user, "sources.save", src.name, {"kind": src.kind, "replaces": replaces,
                                                             "params": sorted(src.params)})
    return problems


def remove_source(store: Store, user: access.User, name: str) -> list[str]:
    """Remove a source from settings.yaml (its data and run history stay); audited."""
    access.require(user, "manage_sources")
    sources, errors = load_sources(store)
    if errors or name not in {s.name for s in sources}:
        return errors or [f"no source named {name!r}"]
    problems = _write(store, [s for s in sources if s.name != name])
    if not problems:
        audit.record(store, user, "sources.remove", name, {})
    return problems


@dataclass(frozen=True)
class Probe:
    ok: bool
    lines: tuple[str, ...] = ()  # what the test reached, one sentence each
    problems: tuple[Problem, ...] = field(default_factory=tuple)


def probe(store: Store, user: access.User, src: Source, month: str) -> Probe:
    """Fetch one month of a (saved or not) source the way a refresh does, and say what came back; loads nothing."""
    access.require(user, "manage_sources")
    src = clean(src)
    missing = check(src)
    if missing:
        return Probe(False, problems=tuple(Problem(src.name or "source", None, None, m) for m in missing))
    con = new_duck()
    with tempfile.TemporaryDirectory() as workdir:
        try:
            inputs, problems = connector(src.kind).fetch(src, con, [month], Path(workdir), None)
        except Exception as exc:  # an SDK error (credentials, network): say it, like a refresh does
            inputs, problems = [], [Problem(src.name, None, None, f"{type(exc).__name__}: {exc}".splitlines()[0])]
        if problems or not inputs:
            return Probe(False, problems=tuple(problems or [Problem(src.name, None, None,
                                                                    f"reached it, but found no billing data for {month}")]))
        usage = getattr(connector(src.kind), "USAGE", False)
        return Probe(True, tuple((_usage_summary if usage else _summary)(con, inputs, month)))


def _read_from(inputs: list[tuple[str, str]]) -> str:
    return (f"read from {len(inputs)} file{'s' if len(inputs) > 1 else ''} or answer{'s' if len(inputs) > 1 else ''}"
            f" ({', '.join(Path(n).name for n, _ in inputs[:3])}{' …' if len(inputs) > 3 else ''}); nothing was loaded")


def _usage_summary(con, inputs: list[tuple[str, str]], month: str) -> list[str]:
    union = " union all ".join(f"select Cluster, UsageKey, UsageDate from {view}" for _, view in inputs)
    rows, clusters, keys, days = con.execute(f"select count(*), list(distinct Cluster order by Cluster), "
                                             f"count(distinct UsageKey), count(distinct UsageDate) from ({union})").fetchone()
    return [f"{month}: {rows:,} usage rows of cluster {', '.join(str(c) for c in clusters[:5])}: {keys:,} namespaces "
            f"over {days} day{'s' if days != 1 else ''}", _read_from(inputs)]


def _summary(con, inputs: list[tuple[str, str]], month: str) -> list[str]:
    union = " union all ".join(f"select * from {view}" for _, view in inputs)
    accounts = con.execute(f"select count(*), list(distinct BillingAccountId order by BillingAccountId) "
                           f"from ({union})").fetchone()
    totals = con.execute(f"select BillingCurrency, sum(BilledCost) from ({union}) group by 1 order by 1").fetchall()
    names = ", ".join(str(a) for a in accounts[1][:5]) + (" …" if len(accounts[1]) > 5 else "")
    return [f"{month}: {accounts[0]:,} rows from billing account{'s' if len(accounts[1]) > 1 else ''} {names}",
            *(f"{cur}: {fmt(Decimal(total or 0), cur)} billed" for cur, total in totals), _read_from(inputs)]

