"""Health of the machine: free disk space of the data folder, and the data key when the store is encrypted.

Disk: warn below `health.disk_free_warn_pct` (default 15) percent free, fail below
`health.disk_free_fail_pct` (default 5): a refresh writes a period's new files before it drops the
old ones, so a nearly full disk fails refreshes first. The key check needs no open store (a
missing key is exactly when the store cannot be opened), so the CLI runs it also then.

>>> key_check(Path("/nonexistent")).status
'ok'
>>> size(3 * 1024 ** 3)
'3.0 GB'
"""

import shutil
from datetime import datetime
from pathlib import Path

from lib.alerts.health_check import FAIL, OK, WARN, Check
from lib.store import crypto
from lib.store.state import Store, state

DISK_WARN_PCT, DISK_FAIL_PCT = 15.0, 5.0


def size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024:
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} TB"


def _thresholds(store: Store) -> tuple[float, float]:
    with state(store) as db:
        found = dict(db.execute("select key, value from settings where key in "
                                "('health.disk_free_warn_pct', 'health.disk_free_fail_pct')").fetchall())
    return (float(found.get("health.disk_free_warn_pct", DISK_WARN_PCT)),
            float(found.get("health.disk_free_fail_pct", DISK_FAIL_PCT)))


def disk_status(data_dir: Path, warn_pct: float = DISK_WARN_PCT, fail_pct: float = DISK_FAIL_PCT) -> Check:
    usage = shutil.disk_usage(data_dir)
    pct = 100 * usage.free / usage.total
    status = FAIL if pct < fail_pct else WARN if pct < warn_pct else OK
    return Check("disk", status, f"{size(usage.free)} free of {size(usage.total)} ({pct:.0f}%) where {data_dir} is"
                                 + ("" if status == OK else f"; below {fail_pct if status == FAIL else warn_pct:g}%"))


def disk_check(store: Store, con, now: datetime) -> list[Check]:
    return [disk_status(store.data_dir, *_thresholds(store))]


def key_check(data_dir: Path) -> Check:
    """ok when the store is not encrypted and no key is set, or when the configured key opens it."""
    path = Path(data_dir) / "state.db"
    try:
        key = crypto.data_key()
        encrypted = path.is_file() and path.stat().st_size > 0 and not crypto.is_plaintext_sqlite(path)
        if key is None and not encrypted:
            return Check("data-key", OK, "the store is not encrypted (no data key configured)")
        if not path.is_file():
            return Check("data-key", OK, "a data key is configured; the state store does not exist yet")
        crypto.open_sqlite(path).close()  # raises DataKeyError naming what to change
    except crypto.DataKeyError as exc:
        return Check("data-key", FAIL, str(exc))
    return Check("data-key", OK, "the store is encrypted and the configured data key opens it")


def key_checks(store: Store, con, now: datetime) -> list[Check]:
    return [key_check(store.data_dir)]
