"""What anchors the audit trail outside the state store: an HMAC key from secrets, a head file, or both.

The hash chain alone proves nothing to someone who can write the state store: they can cut
entries from the end (and the stored head), or re-chain everything with the public SHA-256
recipe. Two anchors close that:

- `[costbook] audit_key` / COSTBOOK_AUDIT_KEY (32+ random characters): every entry also gets
  an HMAC-SHA256 of its hash, and the stored head an HMAC of (last id, last hash). Without the
  key nobody can re-chain, forge or cut the trail unseen (one limit: a head value copied out of
  the store earlier can be put back together with a cut; the head file closes that);
- `[costbook] audit_head_file` / COSTBOOK_AUDIT_HEAD_FILE: a file outside the data folder (give
  the app write access to it, and the store's attackers none) where every committed entry
  writes "id:hash". The trail must end exactly there.

Entries written before a key was configured carry no MAC; the first MAC'd entry's hash covers
them through the chain.

>>> mac("k" * 32, "entry", "ab")[:16]
'c6c50bedf23a1c59'
"""

import fcntl
import hashlib
import hmac
import os
import sys
from pathlib import Path

from lib.store import secret

MIN_KEY = 32


def key() -> str | None:
    """The audit HMAC key, or None (a key shorter than 32 characters is refused at start-up)."""
    return secret.value("audit_key")


def key_problem() -> str | None:
    value = key()
    if value is not None and len(value) < MIN_KEY:
        return f"the audit key (COSTBOOK_AUDIT_KEY or [costbook] audit_key) needs {MIN_KEY}+ random characters"
    return None


def head_file() -> Path | None:
    value = secret.value("audit_head_file")
    return Path(value).expanduser() if value else None


def head_file_problem(data_dir: Path) -> str | None:
    """The head file must live outside the data folder, or whoever can change the store can change it too."""
    path = head_file()
    if path is None:
        return None
    if path.resolve().is_relative_to(Path(data_dir).resolve()):
        return (f"the audit head file {path} is inside the data folder: put it where the state store's "
                "writers cannot reach (COSTBOOK_AUDIT_HEAD_FILE or [costbook] audit_head_file)")
    return None


def mac(secret_key: str, kind: str, *parts) -> str:
    message = "|".join([kind, *map(str, parts)]).encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def head_value(entry_id: int, digest: str) -> str:
    """The stored head: 'id:hash', and ':mac' when a key is configured."""
    value = f"{entry_id}:{digest}"
    k = key()
    return f"{value}:{mac(k, 'head', entry_id, digest)}" if k else value


def write_head(entry_id: int, digest: str) -> None:
    """Move the head file forward to (id, hash); never backwards, whatever order processes commit in."""
    path = head_file()
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(str(path) + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            current = read_head()
            if current is not None and current[0] >= entry_id:
                return
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(f"{entry_id}:{digest}\n")
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        finally:
            os.close(fd)
    except OSError as exc:  # the entry is committed; verify will name the head file as behind
        print(f"warning: cannot write the audit head file {path}: {exc.strerror}", file=sys.stderr)


def read_head() -> tuple[int, str] | None:
    path = head_file()
    if path is None or not path.is_file():
        return None
    text = path.read_text().strip()
    found_id, _, digest = text.partition(":")
    return (int(found_id), digest) if found_id.isdigit() else (-1, text)


def check(rows: list[tuple[int, str, str | None]], head: str | None, data_dir: Path) -> list[str]:
    """Problems against the anchors, for the trail's (id, hash, mac) rows in order and its stored head."""
    problems = [p for p in (key_problem(), head_file_problem(data_dir)) if p]
    last = rows[-1] if rows else (0, "", None)
    k = key()
    if k:
        signed = False
        for entry_id, digest, entry_mac in rows:
            if entry_mac is not None:
                signed = True
                if not hmac.compare_digest(entry_mac, mac(k, "entry", digest)):
                    problems.append(f"entry {entry_id}: its MAC does not match (forged or re-chained without the key)")
            elif signed:
                problems.append(f"entry {entry_id}: has no MAC although earlier entries do (written without the key)")
        parts = (head or "").split(":")
        if rows and (len(parts) != 3 or not hmac.compare_digest(parts[2], mac(k, "head", parts[0], parts[1]))):
            problems.append("the recorded head of the trail has no valid MAC: its end was rewritten (right after the "
                            "audit key is first configured this clears with the next audit entry)")
    if head_file() is not None:
        problems += _file_check(rows, last)
    return problems


def _file_check(rows, last) -> list[str]:
    found = read_head()
    if found is None:
        return [f"the audit head file {head_file()} is missing (right after it is first configured, the next audit "
                "entry writes it)"] if rows else []
    head_id, digest = found
    by_id = {r[0]: r[1] for r in rows}
    if head_id > last[0]:
        return [f"entries {last[0] + 1}..{head_id} are missing: the head file says the trail reaches {head_id}"]
    if by_id.get(head_id) != digest:
        return [f"entry {head_id} is not the one the head file recorded: the trail was re-chained or rewritten"]
    if head_id < last[0]:
        return [f"entries {head_id + 1}..{last[0]} are newer than the head file: appended by someone who cannot "
                "write it, or the file could not be written (see the app's log)"]
    return []


def describe() -> str:
    """One line for `audit verify`: what anchors this trail."""
    found = (["HMAC key"] if key() else []) + ([f"head file {head_file()}"] if head_file() else [])
    if found:
        return "anchored by " + " and ".join(found)
    return ("not anchored: someone who can write the state store could cut or re-chain it unseen; set "
            "[costbook] audit_key and/or audit_head_file (docs/security.md)")
