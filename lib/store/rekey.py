"""Key rotation: rewrite every lake file and the state store under a new data key (or none).

The same routine encrypts a plaintext store the first time (old key None) and decrypts one
(new key None). Stop the app and scheduled jobs first, and back up the data folder:

    COSTBOOK_DATA_KEY=<old or unset> COSTBOOK_NEW_DATA_KEY=<new> python -m lib rotate-key
    # then configure <new> as COSTBOOK_DATA_KEY / [costbook] data_key and start the app

Each file is written to a temporary name and renamed over the old one, and files already
readable under the new key are skipped, so a rotation that stopped halfway can be run again
with the same two keys.

>>> rotate(store, old_key=None, new_key="a" * 40)          # doctest: +SKIP
Rotation(lake_files=12, skipped=0, state=True)
"""

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import sqlcipher3.dbapi2 as sqlcipher

from lib.core.sql import literal
from lib.store import crypto
from lib.store.state import Store


@dataclass(frozen=True)
class Rotation:
    lake_files: int  # rewritten
    skipped: int  # already under the new key
    state: bool  # state.db rewritten
    files: int = 0  # other files of the data folder (frozen statements) rewritten


def _read_options(key: str | None, name: str) -> str:
    return f"encryption_config = {{footer_key: '{name}'}}" if key else "union_by_name = false"


def _readable(con, path: Path, key: str | None, name: str) -> bool:
    try:
        con.execute(f"select count(*) from read_parquet(?, hive_partitioning = false, {_read_options(key, name)})",
                    [str(path)]).fetchone()
        return True
    except duckdb.Error:
        return False


def _rewrite_lake(store: Store, old_key: str | None, new_key: str | None) -> tuple[int, int]:
    con = duckdb.connect(":memory:")
    for key, name in ((old_key, "old"), (new_key, "new")):
        if key:
            crypto.prepare_duck(con, key, name)
    done = skipped = 0
    files = sorted(p for p in store.lake.rglob("*.parquet") if "staging" not in p.relative_to(store.lake).parts)
    files += sorted(p for folder in SEALED_FOLDERS for p in (store.data_dir / folder).rglob("*.parquet"))
    for path in files:
        if _readable(con, path, new_key, "new"):
            skipped += 1
            continue
        if not _readable(con, path, old_key, "old"):
            raise crypto.DataKeyError(f"{path.relative_to(store.data_dir)} cannot be read with the old key")
        tmp = path.with_suffix(".rekey")
        write = ", encryption_config {footer_key: 'new'}" if new_key else ""
        con.execute(f"copy (select * from read_parquet(?, hive_partitioning = false, {_read_options(old_key, 'old')})) "
                    f"to {literal(tmp)} (format parquet, compression zstd{write})", [str(path)])
        os.replace(tmp, path)
        done += 1
    con.close()
    return done, skipped


def _connect(path: Path, key: str | None):
    db = crypto.cipher_connect(path, key) if key else sqlcipher.connect(str(path), isolation_level=None)
    db.execute("select count(*) from sqlite_master").fetchone()  # raises when the key does not fit
    return db


def _rewrite_state(store: Store, old_key: str | None, new_key: str | None) -> bool:
    path = store.state_path
    try:
        _connect(path, new_key).close()
        return False  # already under the new key
    except sqlcipher.DatabaseError:
        pass
    try:
        db = _connect(path, old_key)
    except sqlcipher.DatabaseError:
        raise crypto.DataKeyError(f"{path.name} cannot be opened with the old key") from None
    tmp = path.with_name(path.name + ".rekey")
    tmp.unlink(missing_ok=True)
    target = f"x'{crypto.derive(new_key, 'state').hex()}'" if new_key else ""
    db.execute("pragma wal_checkpoint(truncate)")
    db.execute(f"attach database ? as rekeyed key \"{target}\"", (str(tmp),))
    db.execute("select sqlcipher_export('rekeyed')")
    db.execute("detach database rekeyed")
    db.close()
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    os.replace(tmp, path)
    return True


SEALED_FOLDERS = ("statements",)  # files kept with crypto.seal, but for the Parquet (a close's cells): encrypted as the lake


def _in_new_form(data: bytes, new_key: str | None) -> bool:
    if new_key is None or not crypto.is_sealed(data):
        return new_key is None and not crypto.is_sealed(data)
    try:
        crypto.unseal(data, new_key)
    except crypto.DataKeyError:
        return False
    return True


def _rewrite_files(store: Store, old_key: str | None, new_key: str | None) -> int:
    """Re-seal the frozen statements under the new key (skipping those it already reads)."""
    done = 0
    for path in sorted(p for folder in SEALED_FOLDERS for p in (store.data_dir / folder).rglob("*")
                       if p.is_file() and p.suffix != ".parquet"):
        data = path.read_bytes()
        if _in_new_form(data, new_key):
            continue
        plain = crypto.unseal(data, old_key, name=str(path.relative_to(store.data_dir)))
        tmp = path.with_name(path.name + ".rekey")
        tmp.write_bytes(crypto.seal(plain, new_key))
        os.replace(tmp, path)
        done += 1
    return done


def rotate(store: Store, old_key: str | None, new_key: str | None) -> Rotation:
    """Rewrite the lake, the frozen statements, then the state store, from old_key to new_key (None = plaintext)."""
    if new_key is not None and len(new_key) < crypto.MIN_KEY_CHARS:
        raise crypto.DataKeyError(f"the new key is too short: use at least {crypto.MIN_KEY_CHARS} random characters")
    if old_key == new_key:
        raise crypto.DataKeyError("the new key is the same as the old one")
    done, skipped = _rewrite_lake(store, old_key, new_key)
    files = _rewrite_files(store, old_key, new_key)
    return Rotation(done, skipped, _rewrite_state(store, old_key, new_key), files)
