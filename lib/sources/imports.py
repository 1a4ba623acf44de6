"""Importing files on behalf of a person: permission check, the import itself, the audit entry.

The CLI (`python -m lib import`) and the Data sources page's Upload both come here, so an
upload and a command-line import check, load and record the same way.

>>> result = import_paths(store, user, ["bill.csv"])          # doctest: +SKIP
>>> result.ok, result.rows                                     # doctest: +SKIP
(True, 1000)
"""

import tempfile
from pathlib import Path

from lib import access, audit
from lib.ingest import IngestResult
from lib.sources import import_files
from lib.store import ImportGuard, Store, new_duck


def import_paths(store: Store, user, paths: list[str], fmt: str = "auto") -> IngestResult:
    """Normalize and ingest files as one run (all or nothing), and record it in the audit trail."""
    access.require(user, "manage_sources")
    result = import_files(store, new_duck(), [str(p) for p in paths], fmt, actor=user.username)
    audit.record(store, user, "import.file", ", ".join(Path(p).name for p in paths),
                 {"format": fmt, "ok": result.ok, "rows": result.rows, "run_id": result.run_id,
                  "periods": list(result.periods)})
    return result


def import_uploads(store: Store, user, files: list[tuple[str, bytes]], fmt: str = "auto") -> IngestResult:
    """Import uploaded (file name, content) pairs; they are written to a private temporary folder first."""
    access.require(user, "manage_sources")
    with ImportGuard(store), tempfile.TemporaryDirectory(dir=store.lake / "staging") as tmp:
        paths = []
        for name, content in files:
            path = Path(tmp) / Path(name).name  # never a path the uploader chose
            path.write_bytes(content)
            paths.append(str(path))
        return import_paths(store, user, paths, fmt)
