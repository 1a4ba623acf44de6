"""The import lock: one shared lock per running import, and the clean-up of what a killed one left.
"""

import fcntl
import json
import os
import shutil

from lib.store.state import Store, state

IMPORT_LOCK = ".imports.lock"


INTERRUPTED = "the import stopped before it finished (process killed or crashed); the previous data stayed served"


class ImportGuard:
    """Held for the whole of an import or refresh; the first thing each one takes.

    Every import holds a shared lock on lake/staging/.imports.lock, which the OS drops when
    its process dies, even by SIGKILL. An import that can take the lock exclusively knows no
    other is running, so whatever a run left behind is a dead process's: it calls
    recover_interrupted first, then keeps a shared lock like the others. Guards nest (a
    refresh holds one around the import it runs); use as a context manager or keep the object
    alive for the duration (the lock goes with it).

    >>> with ImportGuard(store):                          # doctest: +SKIP
    ...     ingest(store, con, inputs, source="focus")
    """

    def __init__(self, store: Store):
        self.recovered: list[int] | None = None  # the runs marked interrupted, when this guard cleaned up
        self.fd: int | None = None
        self.fd = os.open(store.lake / "staging" / IMPORT_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # another import is running: its run and staging folder are alive
        else:
            try:
                self.recovered = recover_interrupted(store)
            except BaseException:
                self.close()
                raise
        fcntl.flock(self.fd, fcntl.LOCK_SH)  # waits while another guard is cleaning up

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        self.close()


def recover_interrupted(store: Store) -> list[int]:
    """Mark runs left 'running' as 'interrupted' and remove what they left; call only with no import running.

    A killed run never reached its swap's transaction, so none of its files are in the
    manifest: the ones it had already moved into lake/charges or lake/usage are deleted, and so is
    everything in lake/staging (its working folders). Returns the run ids marked.
    """
    with state(store, write=True) as db:
        ids = [r[0] for r in db.execute("select id from ingest_runs where outcome = 'running' order by id")]
        db.execute("update ingest_runs set outcome = 'interrupted', problems = ?, "
                   "finished_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now') where outcome = 'running'",
                   (json.dumps([INTERRUPTED]),))
        marks = ", ".join("?" * len(ids))
        kept = {r[0] for r in db.execute(f"select path from lake_files where run_id in ({marks}) union "
                                         f"select path from usage_files where run_id in ({marks})", ids + ids)}
    for run in ids:
        for path in [*(store.lake / "charges").glob(f"*/*/*/run-{run}-*.parquet"),
                     *(store.lake / "usage").glob(f"*/*/*/*/run-{run}-*.parquet")]:
            if path.relative_to(store.lake).as_posix() not in kept:
                path.unlink(missing_ok=True)
    for entry in (store.lake / "staging").iterdir():
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name != IMPORT_LOCK:
            entry.unlink(missing_ok=True)
    return ids
