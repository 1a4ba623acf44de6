"""Encryption at rest: with a data key configured, lake Parquet files and state.db are encrypted.

The key comes from ``COSTBOOK_DATA_KEY`` or ``[costbook] data_key`` in secrets.toml (see
lib/store/secret.py); at least 32 characters, e.g. ``python -c "import secrets; print(secrets.token_urlsafe(32))"``.
Two keys are derived from it (HMAC-SHA256), one per use:

- the lake: Parquet modular encryption (AES-GCM) written and read by DuckDB with its httpfs
  extension loaded, which brings OpenSSL (without it DuckDB would not encrypt securely);
- the state store: SQLCipher 4 (AES-256, HMAC-SHA512 per page) through ``sqlcipher3``, a
  drop-in for the stdlib sqlite3 module, so WAL mode and concurrent app + CLI keep working;
- other files kept in the data folder (the statements frozen at a month close): AES-256-GCM,
  ``seal`` / ``unseal`` (a 4-byte mark, a 12-byte nonce, the ciphertext and its tag).

A wrong or missing key fails with `DataKeyError` naming the file and what to change, never garbage.
Rotation (and first-time encryption of a plaintext store) is `rotate` / ``python -m lib rotate-key``.

>>> parquet_read_options()            # no key configured
'union_by_name = true, hive_partitioning = false'
>>> unseal(seal(b"statement", "k" * 32), "k" * 32), seal(b"plain", None)
(b'statement', b'plain')
"""

import base64
import hashlib
import hmac
import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lib.core.sql import literal
from lib.store import secret

MIN_KEY_CHARS = 32
LAKE_KEY = "costbook_lake"
SQLITE_MAGIC = b"SQLite format 3\x00"
KEY_HELP = "COSTBOOK_DATA_KEY (or [costbook] data_key in .streamlit/secrets.toml)"


class DataKeyError(RuntimeError):
    """The data key is missing, wrong or unusable; the message says what to change."""


_OVERRIDE: list = []  # rotate-key: the key the store is under once it has rotated, for this process only


@contextmanager
def key_in_use(key: str | None):
    """Within the block, data_key() is `key` (None: plaintext), whatever is configured (rotate-key only)."""
    _OVERRIDE.append(key)
    try:
        yield
    finally:
        _OVERRIDE.pop()


def data_key() -> str | None:
    """The configured data key, or None when the data is not encrypted."""
    if _OVERRIDE:
        return _OVERRIDE[-1]
    key = secret.value("data_key")
    if key is not None and len(key) < MIN_KEY_CHARS:
        raise DataKeyError(f"{KEY_HELP} is too short: use at least {MIN_KEY_CHARS} random characters")
    return key


def derive(key: str, purpose: str) -> bytes:
    return hmac.new(key.encode(), f"costbook {purpose} v1".encode(), hashlib.sha256).digest()


def httpfs_extension() -> str:
    """Path of the httpfs extension shipped by the duckdb-extension-httpfs wheel (no download)."""
    import duckdb_extension_httpfs

    root = Path(duckdb_extension_httpfs.__file__).parent
    found = sorted(root.rglob("httpfs.duckdb_extension"))
    if not found:
        raise DataKeyError("encryption needs the duckdb-extension-httpfs package (see requirements.txt)")
    return str(found[-1])


def prepare_duck(con, key: str | None = None, name: str = LAKE_KEY) -> None:
    """Make `con` able to read and write the encrypted lake (a no-op without a data key)."""
    key = key or data_key()
    if key is None:
        return
    con.execute(f"load {literal(httpfs_extension())}")
    lake = base64.b64encode(derive(key, "lake")).decode()  # base64: no quote can appear in it
    con.execute(f"pragma add_parquet_key('{name}', '{lake}')")


def parquet_write_options(con=None, name: str = LAKE_KEY) -> str:
    """Extra COPY options for writing a lake file: '' or ', encryption_config {...}'."""
    if data_key() is None:
        return ""
    if con is not None:
        prepare_duck(con)
    return f", encryption_config {{footer_key: '{name}'}}"


def parquet_read_options(name: str = LAKE_KEY) -> str:
    """read_parquet options for lake files.

    Encrypted files are read without union_by_name: DuckDB 1.5.5 fails internally on that
    combination. Lake files all share the lake schema, so nothing is lost.
    """
    if data_key() is None:
        return "union_by_name = true, hive_partitioning = false"
    return f"encryption_config = {{footer_key: '{name}'}}, hive_partitioning = false"


def is_plaintext_sqlite(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(16) == SQLITE_MAGIC


def open_sqlite(path: Path, timeout: float = 30):
    """A DB-API connection to state.db: sqlite3, or SQLCipher keyed with the data key."""
    path = Path(path)
    key = data_key()
    exists = path.is_file() and path.stat().st_size > 0
    if key is None:
        if exists and not is_plaintext_sqlite(path):
            raise DataKeyError(f"{path.name} is encrypted: set {KEY_HELP} to open it")
        db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        return db
    if exists and is_plaintext_sqlite(path):
        raise DataKeyError(f"{path.name} is not encrypted but a data key is configured: "
                           "encrypt it with `python -m lib rotate-key` (see README, Encryption)")
    db = cipher_connect(path, key, timeout)
    try:
        db.execute("select count(*) from sqlite_master").fetchone()
    except sqlcipher.DatabaseError:
        db.close()
        raise DataKeyError(f"{path.name} cannot be decrypted with the configured data key: "
                           f"check {KEY_HELP}") from None
    return db


def cipher_connect(path: Path, key: str, timeout: float = 30):
    db = sqlcipher.connect(str(path), timeout=timeout, isolation_level=None, check_same_thread=False)
    db.execute("pragma cipher_log_level = none")
    db.execute(f"pragma key = \"x'{derive(key, 'state').hex()}'\"")
    db.row_factory = sqlcipher.Row
    return db


SEALED = b"CBX1"
_UNSET = object()


def seal(data: bytes, key=_UNSET) -> bytes:
    """The bytes to keep on disk: encrypted under the data key (or `key`), as they are without one."""
    key = data_key() if key is _UNSET else key
    if key is None:
        return data
    nonce = os.urandom(12)
    return SEALED + nonce + AESGCM(derive(key, "files")).encrypt(nonce, data, SEALED)


def is_sealed(data: bytes) -> bool:
    return data.startswith(SEALED)


def unseal(data: bytes, key=_UNSET, name: str = "file") -> bytes:
    """What seal was given; plaintext files (kept before encryption was on) are returned as they are."""
    if not is_sealed(data):
        return data
    key = data_key() if key is _UNSET else key
    if key is None:
        raise DataKeyError(f"{name} is encrypted: set {KEY_HELP} to read it")
    try:
        return AESGCM(derive(key, "files")).decrypt(data[4:16], data[16:], SEALED)
    except InvalidTag:
        raise DataKeyError(f"{name} cannot be decrypted with the configured data key: check {KEY_HELP}") from None

