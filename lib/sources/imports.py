"""Importing files on behalf of a person: permission check, the import itself, the audit entry.

The CLI (`python -m lib import`) and the Data sources page's Upload both come here, so an
upload and a command-line import check, load and record the same way.

>>> result = import_paths(store, user, ["bill.csv"])          # doctest: +SKIP
>>> result.ok, result.rows                                     # doctest: +SKIP
(True, 1000)
"""

import tempfile
from pathlib import Path

from lib.config import versions
from lib.core import access
from lib.core.progress import Progress, portion
from lib.core.sql import literal
from lib.sources.files import import_files
from lib.sources.ingest import IngestResult, ingest
from lib.store import audit, crypto
from lib.store.guard import ImportGuard
from lib.store.lake import lake_columns, lake_groups, new_duck
from lib.store.state import Store, state


def import_paths(store: Store, user, paths: list[str], fmt: str = "auto", cluster: str | None = None,
                 progress: Progress | None = None) -> IngestResult:
    """Normalize and ingest files as one run (all or nothing), and record it in the audit trail.

    `cluster` names the Kubernetes cluster of usage files that carry none (OpenCost's CSV export).
    """
    access.require(user, "manage_sources")
    result = import_files(store, new_duck(), [str(p) for p in paths], fmt, actor=user.username, cluster=cluster,
                          progress=progress)
    audit.record(store, user, "import.file", ", ".join(Path(p).name for p in paths),
                 {"format": fmt, "ok": result.ok, "rows": result.rows, "run_id": result.run_id,
                  "periods": list(result.periods), **({"cluster": cluster} if cluster else {})})
    return result


def import_uploads(store: Store, user, files: list[tuple[str, bytes]], fmt: str = "auto",
                   cluster: str | None = None, progress: Progress | None = None) -> IngestResult:
    """Import uploaded (file name, content) pairs; they are written to a private temporary folder first."""
    access.require(user, "manage_sources")
    with ImportGuard(store), tempfile.TemporaryDirectory(dir=store.lake / "staging") as tmp:
        paths = []
        for i, (name, content) in enumerate(files):
            # Never a path the uploader chose; one folder each, so two uploads with the same name both count.
            path = Path(tmp) / str(i) / Path(name).name
            path.parent.mkdir()
            path.write_bytes(content)
            paths.append(str(path))
        return import_paths(store, user, paths, fmt, cluster, progress)


def unpromoted(store: Store) -> list[tuple[str, str, str, str]]:
    """Active lake partitions missing a tag key the rules use: [(source, billing account, period, missing keys)]."""
    keys = versions.wanted(store)
    with state(store) as db:
        rows = db.execute("select source, billing_account_id, period, group_concat(promoted_tags, ';') "
                          "from lake_files where active = 1 group by 1, 2, 3 order by 1, 2, 3").fetchall()
    out = []
    for source, account, period, carried in rows:
        have = [set(c.split(",")) for c in carried.split(";")]
        missing = [k for k in keys if not all(k in h for h in have)]
        if missing:
            out.append((source, account, period, ",".join(missing)))
    return out


def promote_tags(store: Store, user, progress: Progress | None = None) -> list[IngestResult]:
    """Rewrite the lake partitions that lack a tag key the rules use, one import run per source.

    The partitions' own lake files go through the import path again (checks, atomic swap of
    exactly those partitions), so the charges and their totals stay the same; the new files carry
    every promoted column. Killing it leaves the old files served, like any import.
    """
    access.require(user, "manage_sources")
    results = []
    with ImportGuard(store):
        stale = unpromoted(store)
        con = new_duck()
        sources = sorted({s for s, *_ in stale})
        for n, source in enumerate(sources):
            parts = {(a, p) for s, a, p, _ in stale if s == source}
            with state(store) as db:
                files = [path for a, p, path in db.execute(
                    "select billing_account_id, period, path from lake_files where active = 1 and source = ? "
                    "order by path", (source,)).fetchall() if (a, p) in parts]
            inputs = []
            for i, path in enumerate(files):
                view = f"_promote_{i}"
                (_, schema), = lake_groups(store, [str(store.lake / path)])
                con.execute(f"create or replace temp view {view} as select file_row_number + 1 as _row, "
                            f"{lake_columns(schema, skip=DERIVED)} from read_parquet({literal(str(store.lake / path))}, "
                            f"file_row_number = true, {crypto.parquet_read_options()})")
                inputs.append((path, view))
            result = ingest(store, con, inputs, source=source, label=f"promote tags ({len(parts)} partitions)",
                            actor=user.username, progress=portion(progress, n / len(sources), (n + 1) / len(sources)))
            audit.record(store, user, "import.promote_tags", source,
                         {"ok": result.ok, "rows": result.rows, "run_id": result.run_id, "partitions": len(parts),
                          "keys": list(versions.wanted(store))})
            results.append(result)
    return results


# What ingest derives again from a lake file's other columns (the promoted tags are not read either).
DERIVED = ("x_Source", "x_BillingPeriod")
