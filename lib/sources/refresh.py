"""Refresh: pull the configured billing sources and replace the billing periods they cover.

Sources are configured in `<data dir>/settings.yaml` (no secrets there; see
settings.example.yaml at the repository root):

    sources:
      - name: aws-prod              # unique; becomes the lake's source name
        provider: aws               # aws | azure | gcp | any (folder)
        kind: cost-explorer         # cost-explorer | s3-export | azure-query | azure-export-folder
                                    # | azure-export-blob | bigquery-export | folder
                                    # | opencost (usage data, not charges: lib.sources.opencost_api)
        params: {tag_key: team}     # kind-specific, listed in each connector's docstring

Credentials come from each SDK's standard chain (AWS profiles/roles/env keys,
azure-identity, Google application default credentials) or from a `[sources.<name>]`
section of .streamlit/secrets.toml. A refresh fetches the current and the previous
billing period by default (providers restate recent months), checks the rows, and
swaps in the new data for exactly the (source, billing account, period) it fetched:
running it twice changes nothing, and a failure or a kill leaves the previous data served.

>>> results = refresh(store, access.CLI)                       # doctest: +SKIP
>>> [(r.source, r.ok, r.periods) for r in results]             # doctest: +SKIP
[('aws-prod', True, ('2026-06', '2026-07'))]
"""

import json
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from lib.core import access
from lib.core.periods import is_period
from lib.core.problems import Problem
from lib.core.progress import portion
from lib.core.sql import identifier, literal
from lib.sources.ingest import ingest
from lib.sources.usage_ingest import ingest_usage
from lib.store import audit, secret
from lib.store.guard import ImportGuard
from lib.store.lake import new_duck
from lib.store.state import Store, now_iso, state

DEMO_SOURCE = "demo"  # the lake source of the demo generator's charges: reserved, no configured source uses it
KINDS = ("cost-explorer", "s3-export", "azure-query", "azure-export-folder", "azure-export-blob", "bigquery-export",
         "folder", "opencost")
SECRET_PARAMS = ("secret", "password", "key", "client_secret", "account_key", "sas_token", "connection_string")


@dataclass(frozen=True)
class Source:
    name: str
    provider: str
    kind: str
    params: dict = field(default_factory=dict)

    def secrets(self) -> dict:
        """This source's `[sources.<name>]` section of secrets.toml ({} when absent)."""
        found = secret.section("sources").get(self.name)
        return found if isinstance(found, dict) else {}


@dataclass(frozen=True)
class RunResult:
    source: str
    ok: bool
    run_id: int | None
    rows: int = 0
    periods: tuple[str, ...] = ()
    totals: dict = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    unchanged: int | None = None  # the run that already serves exactly what was fetched (nothing was written)


def settings_path(store: Store) -> Path:
    return store.data_dir / "settings.yaml"


def parse_sources(text: str) -> tuple[list[Source], list[str]]:
    """The `sources` list of a settings file, and what is wrong with it (by entry and field)."""
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        return [], [f"settings.yaml: not valid YAML ({str(exc).splitlines()[0]})"]
    out, errors, names = [], [], set()
    for i, entry in enumerate(doc.get("sources") or [], start=1):
        where = f"settings.yaml: source {i}"
        if not isinstance(entry, dict):
            errors.append(f"{where}: must be a mapping with name, provider, kind")
            continue
        name, kind = str(entry.get("name") or ""), entry.get("kind")
        if not name:
            errors.append(f"{where}: name is missing")
        elif name in names:
            errors.append(f"{where}: name {name!r} is used twice")
        elif name == DEMO_SOURCE:
            errors.append(f"{where}: name {name!r} is reserved for the demo company's charges")
        if kind not in KINDS:
            errors.append(f"{where} ({name}): kind {kind!r} is not one of {', '.join(KINDS)}")
        if any(k in (entry.get("params") or {}) for k in SECRET_PARAMS):
            errors.append(f"{where} ({name}): secrets belong in .streamlit/secrets.toml or the environment")
        names.add(name)
        out.append(Source(name, str(entry.get("provider", "any")), str(kind), dict(entry.get("params") or {})))
    return (out, errors) if not errors else ([], errors)


def load_sources(store: Store) -> tuple[list[Source], list[str]]:
    path = settings_path(store)
    return parse_sources(path.read_text()) if path.is_file() else ([], [])


def default_months(today: date | None = None) -> list[str]:
    """The previous and the current billing period: providers restate recent months."""
    today = today or date.today()
    prev = date(today.year - (today.month == 1), 12 if today.month == 1 else today.month - 1, 1)
    return [prev.strftime("%Y-%m"), today.strftime("%Y-%m")]


def connector(kind: str):
    """The module that fetches a source kind: `fetch(source, con, months, workdir) -> (inputs, problems)`."""
    if kind in ("cost-explorer", "s3-export"):
        from lib.sources import aws_api as module
    elif kind in ("azure-query", "azure-export-folder"):
        from lib.sources import azure_api as module
    elif kind == "azure-export-blob":
        from lib.sources import azure_blob as module
    elif kind == "bigquery-export":
        from lib.sources import gcp_api as module
    elif kind == "opencost":
        from lib.sources import opencost_api as module
    else:
        from lib.sources import folder as module
    return module


def outside(con, inputs: list[tuple[str, str]], months: list[str], column: str = "BillingPeriodStart") -> list[Problem]:
    """Rows of a period that was not asked for: a source must not touch other periods."""
    union = " union all ".join(f"select {literal(n)} as f, {identifier(column)} as d from {v}" for n, v in inputs)
    rows = con.execute(f"select f, strftime(try_cast(d as timestamp), '%Y-%m') as p, count(*) "
                       f"from ({union}) group by 1, 2 order by 1, 2").fetchall()
    return [Problem(f, None, column, f"{n} rows are in billing period {p}, not in the requested "
                    f"{', '.join(months)}") for f, p, n in rows if p not in months]


def refresh_source(store: Store, src: Source, user, months: list[str], progress=None) -> RunResult:
    """Fetch one source for `months` and ingest it as one run; record the run either way."""
    access.require(user, "manage_sources")
    started = time.time()
    con = new_duck()
    # The guard covers the download too: its work folder is in staging, which a recovery empties.
    module = connector(src.kind)
    usage = getattr(module, "USAGE", False)  # usage data (OpenCost) goes to the usage lake
    with ImportGuard(store), tempfile.TemporaryDirectory(dir=store.lake / "staging") as workdir:
        try:
            inputs, problems = module.fetch(src, con, months, Path(workdir), portion(progress, 0, 0.5))
        except Exception as exc:  # SDK errors not handled by a connector: report, keep the old data
            inputs, problems = [], [Problem(src.name, None, None, f"{type(exc).__name__}: {exc}".splitlines()[0])]
        if not problems and not inputs:
            problems = [Problem(src.name, None, None, f"no billing data found for {', '.join(months)}")]
        if not problems:
            problems = outside(con, inputs, months, "UsageDate" if usage else "BillingPeriodStart")
        if problems:
            run_id = record_failure(store, src.name, f"refresh {', '.join(months)}", user, problems, started)
            result = RunResult(src.name, False, run_id, problems=tuple(problems))
        else:
            label = f"refresh {', '.join(months)}"
            got = (ingest_usage(store, con, inputs, source=src.name, label=label, actor=user.username) if usage else
                   ingest(store, con, inputs, source=src.name, label=label, actor=user.username,
                          progress=portion(progress, 0.5, 1.0)))
            result = RunResult(src.name, got.ok, got.run_id, got.rows, got.periods, got.totals, got.problems,
                               got.unchanged)
    audit.record(store, user, "refresh.run", src.name, {"months": months, "ok": result.ok, "rows": result.rows,
                                                         "run_id": result.run_id})
    return result


def refresh(store: Store, user, names: list[str] | None = None, months: list[str] | None = None,
            progress=None) -> list[RunResult]:
    """Refresh the named (default: all) configured sources; one run per source."""
    access.require(user, "manage_sources")
    sources, errors = load_sources(store)
    if errors:
        return [RunResult("settings", False, None, problems=tuple(Problem("settings.yaml", None, None, e)
                                                                  for e in errors))]
    unknown = set(names or ()) - {s.name for s in sources}
    if unknown:
        return [RunResult(n, False, None, problems=(Problem(n, None, None, "no such source in settings.yaml"),))
                for n in sorted(unknown)]
    bad = [m for m in months or () if not is_period(m)]
    if bad:
        return [RunResult("settings", False, None, problems=tuple(
            Problem("refresh", None, "month", f"{m!r} is not a billing period like 2026-07") for m in bad))]
    chosen = [s for s in sources if not names or s.name in names]
    return [refresh_source(store, s, user, months or default_months(), portion(progress, i / len(chosen), (i + 1) / len(chosen)))
            for i, s in enumerate(chosen)]


def record_failure(store: Store, source: str, label: str, user, problems, started: float) -> int:
    """An ingest-log entry for a run that failed before anything could be loaded."""
    with state(store, write=True) as db:
        cur = db.execute(
            "insert into ingest_runs (source, label, started_at, finished_at, outcome, problems, actor, duration_s) "
            "values (?, ?, ?, ?, 'failed', ?, ?, ?)",
            (source, label, now_iso(), now_iso(), json.dumps([str(p) for p in problems][:200]), user.username,
             round(time.time() - started, 3)))
        return cur.lastrowid
