"""Azure Cost Management exports in a storage account (kind `azure-export-blob`).

params:
    container     the storage container the exports are delivered to (required)
    prefix        the exports' root folder in the container (optional), e.g. `costbook`
    account_url   https://<account>.blob.core.windows.net (not needed with a connection string)
    format        azure-export (default: actual and amortized cost details) | focus | auto

Azure writes every run of an export to `<prefix>/<export name>/<YYYYMMDD-YYYYMMDD>/<run id>/`
as `part_*.csv`, `.csv.gz` or `.parquet` files and, last, a `manifest.json`. For each export
and requested month the newest complete run is read: the newest `runInfo.submittedTime` among
the runs with a manifest (a run still being written has none); only when no run of that month
has a manifest, the run with the newest blob. Its files are downloaded to the refresh's work
folder and read like a local export folder (lib/sources/folder.py), so an actual and an
amortized export of the same month are combined by Microsoft's recipe.

Credentials, from the `[sources.<name>]` section of secrets.toml (never settings.yaml):
`connection_string`, or `sas_token` or `account_key` with params.account_url; without them
azure-identity (see azure_api.credential), whose identity needs the Storage Blob Data Reader
role on the container.

    - {name: azure-exports, provider: azure, kind: azure-export-blob,
       params: {account_url: "https://acmebilling.blob.core.windows.net", container: exports, prefix: costbook}}
"""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from azure.core.exceptions import AzureError

from lib.core.ids import file_part
from lib.core.problems import Problem
from lib.sources import azure_api, folder

RANGE = re.compile(r"(\d{4})(\d{2})\d{2}-\d{8}")
MANIFEST = "manifest.json"
CHUNK = 4 * 1024 * 1024  # bytes per ranged read: what one download holds in memory


@dataclass(frozen=True)
class Run:
    """One run of one export for one month: its data blobs and manifest, as listed."""
    export: str  # the export's folder below the prefix
    month: str
    run: str
    files: tuple[str, ...]
    manifest: str | None
    modified: datetime  # the newest of its blobs


def container(src):
    """A ContainerClient with the source's credentials (see the module doc)."""
    from azure.storage.blob import ContainerClient

    s, name = src.secrets(), str(src.params["container"])
    options = {"max_single_get_size": CHUNK, "max_chunk_get_size": CHUNK}
    if s.get("connection_string"):
        return ContainerClient.from_connection_string(str(s["connection_string"]), name, **options)
    url = src.params.get("account_url")
    if not url:
        raise ValueError("params.account_url is missing in settings.yaml (or give a connection_string in secrets)")
    if "sig=" in str(url):
        raise ValueError("params.account_url carries a SAS token: it belongs in secrets (sas_token)")
    if s.get("sas_token"):
        cred = str(s["sas_token"])
    elif s.get("account_key"):
        cred = {"account_name": url.split("//", 1)[-1].split(".", 1)[0], "account_key": str(s["account_key"])}
    else:
        cred = azure_api.credential(src)
    return ContainerClient(str(url), name, credential=cred, **options)


def runs(listed: list[tuple[str, datetime]], prefix: str) -> list[Run]:
    """Group listed (blob name, last modified) by export run, following Azure's export layout.

    A file right below the date range (older exports, no run folder) is a run of its own.
    """
    groups: dict[tuple[str, str, str], list[tuple[str, datetime]]] = {}
    for name, modified in listed:
        parts = name[len(prefix):].strip("/").split("/")
        at = next((i for i, p in enumerate(parts[:-1]) if RANGE.fullmatch(p)), None)
        if at is None:
            continue
        year, month = RANGE.fullmatch(parts[at]).groups()
        groups.setdefault(("/".join(parts[:at]), f"{year}-{month}", parts[at + 1]), []).append((name, modified))
    out = []
    for (export, month, run), blobs in groups.items():
        files = tuple(sorted(n for n, _ in blobs if n.lower().endswith(folder.SUFFIXES)))
        manifest = next((n for n, _ in blobs if n.endswith("/" + MANIFEST)), None)
        if files:
            out.append(Run(export, month, run, files, manifest, max(m for _, m in blobs)))
    return out


def latest(cc, candidates: list[Run]) -> tuple[Run, dict]:
    """The newest complete run among one export's runs of one month, and its manifest ({} if none)."""
    complete = [r for r in candidates if r.manifest]
    if not complete:
        return max(candidates, key=lambda r: r.modified), {}
    read = [(r, manifest(cc, r.manifest)) for r in complete]
    return max(read, key=lambda pair: (submitted(pair[1]), pair[0].modified))


def submitted(info: dict) -> str:
    """A manifest's runInfo.submittedTime (ISO, UTC: sorts as text); '' when absent."""
    run_info = info.get("runInfo")
    return str(run_info.get("submittedTime") or "") if isinstance(run_info, dict) else ""


def manifest(cc, name: str) -> dict:
    try:
        found = json.loads(cc.download_blob(name).readall())
    except ValueError:  # unreadable: the run still counts, by its blobs' time
        return {}
    return found if isinstance(found, dict) else {}


def download(cc, run: Run, info: dict, workdir: Path, start: int) -> list[Path]:
    """Save a run's files, named after dataset (e.g. AmortizedCost, which the normalizer reads), month and run."""
    config = info.get("exportConfig")
    dataset = str((config.get("type") if isinstance(config, dict) else None) or run.export.rsplit("/", 1)[-1])
    paths = []
    for n, name in enumerate(run.files, start=start):
        part = name.rsplit("/", 1)[-1]
        stem, *exts = part.split(".")  # keep the extensions (.csv.gz) the readers go by
        name_part = file_part(f"{n:04d}-{dataset}-{run.month}-{run.run if run.run != part else 'run'}-{stem}")
        dest = workdir / ".".join([name_part, *map(file_part, exts)])
        with dest.open("wb") as out:
            cc.download_blob(name, max_concurrency=1).readinto(out)
        paths.append(dest)
    return paths


def refused(src, exc: AzureError) -> str:
    """A one-line reason; credentials never appear in it (a SAS signature is cut out of URLs)."""
    status = getattr(exc, "status_code", None)
    code = getattr(getattr(exc, "error_code", None), "value", getattr(exc, "error_code", None)) or ""
    first = re.sub(r"sig=[^&\s'\"]+", "sig=***", (getattr(exc, "message", None) or str(exc)).splitlines()[0])
    container_name = src.params.get("container")
    if status in (401, 403):
        return (f"Azure Storage refused access to container {container_name!r} ({status} {code}): the connection "
                f"string, SAS token or key in [sources.{src.name}] is wrong or expired, or the identity lacks "
                f"list and read permission (Storage Blob Data Reader)")
    return f"Azure Storage, container {container_name!r}: {first}"


def fetch(src, con, months: list[str], workdir: Path, progress=None):
    if not src.params.get("container"):
        return [], [Problem(src.name, None, "container", "params.container is missing in settings.yaml")]
    prefix = str(src.params.get("prefix") or "").strip("/")
    prefix = prefix + "/" if prefix else ""
    try:
        cc = container(src)
        listed = [(b.name, b.last_modified) for b in cc.list_blobs(name_starts_with=prefix or None)]
        found = [r for r in runs(listed, prefix) if r.month in months]
        exports = sorted({(r.export, r.month) for r in found})
        paths: list[Path] = []
        for i, (export, month) in enumerate(exports):
            run, info = latest(cc, [r for r in found if (r.export, r.month) == (export, month)])
            paths += download(cc, run, info, workdir, len(paths))
            if progress:
                progress((i + 1) / len(exports), f"{src.name}: {export or '.'} {month} run {run.run} downloaded")
    except AzureError as exc:
        return [], [Problem(src.name, None, None, refused(src, exc))]
    except ValueError as exc:  # a malformed connection string or a missing account_url
        return [], [Problem(src.name, None, None, str(exc).splitlines()[0])]
    if not paths:
        where = f"{src.params['container']}/{prefix}"
        return [], [Problem(src.name, None, None, f"no export runs for {', '.join(months)} in container {where}")]
    return folder.load_paths(con, paths, folder.source_format(src), "_blob")
