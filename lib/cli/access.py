"""Access verbs: users load|dump|add|disable|enable|unlock|reset-password|hash, audit verify|export, rotate-key.

Passwords are read from standard input (never from the command line, where shell history
and process lists would keep them):

    echo "$NEW_PASSWORD" | python -m lib users reset-password dana
"""

import getpass
import os
import sys
from pathlib import Path

from lib.cli import add_verb, fail, write_csv
from lib.core import access
from lib.people import logins, users
from lib.store import audit, crypto, rekey


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")


def _password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\r\n")


def _done(problems: list[str], message: str) -> int:
    if problems:
        for p in problems[:-1]:
            print(p, file=sys.stderr)
        fail(problems[-1])
    print(message, file=sys.stderr)
    return 0


def users_load(store, args):
    count, problems = users.load_users(store, access.CLI, _read(args.file), Path(args.file).name)
    return _done(problems, f"{count} user(s) loaded")


def users_dump(store, args):
    sys.stdout.write(users.dump_users(store, access.CLI))


def users_list(store, args):
    write_csv(["username", "role", "departments", "name", "email", "disabled", "demo"],
              [(a.username, a.role, " ".join(a.departments), a.name, a.email, int(a.disabled), int(a.demo))
               for a in users.list_users(store, access.CLI)])


def users_add(store, args):
    depts = [d for d in (args.departments or "").split(",") if d]
    problems = users.save_user(store, access.CLI, args.username, args.role, depts, args.name, args.email, _password())
    return _done(problems, f"user {args.username} saved")


def users_disable(store, args):
    return _done(users.set_disabled(store, access.CLI, args.username, True), f"user {args.username} disabled")


def users_enable(store, args):
    return _done(users.set_disabled(store, access.CLI, args.username, False), f"user {args.username} enabled")


def users_unlock(store, args):
    was = logins.unlock(store, access.CLI, args.name)
    return _done([], f"{args.name} unlocked" if was else f"{args.name} was not locked; its failure count is reset")


def users_reset_password(store, args):
    return _done(users.reset_password(store, access.CLI, args.username, _password()),
                 f"password of {args.username} changed")


def users_hash(store, args):
    password = _password()
    problems = users.password_problems(password)
    if problems:
        fail("; ".join(problems))
    print(users.hash_password(password))


def audit_verify(store, args):
    problems = audit.verify(store)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        return 1
    print(f"audit trail intact ({audit.anchors(store)})", file=sys.stderr)
    return 0


def audit_export(store, args):
    filters = {"since": args.since, "until": args.until, "actor": args.actor or "", "action": args.action or ""}
    with open(args.out, "w", encoding="utf-8", newline="") as out:
        count = audit.export_csv(store, access.CLI, out, **filters)
    print(f"{count} entries written to {args.out}", file=sys.stderr)


def rotate_key(store, args):
    new = os.environ.get("COSTBOOK_NEW_DATA_KEY") or None
    if new is None and not args.decrypt:
        fail("set COSTBOOK_NEW_DATA_KEY to the new key (or pass --decrypt to store the data unencrypted)")
    try:
        old = crypto.data_key()
    except crypto.DataKeyError as exc:
        fail(str(exc))
    what = {"from": "key" if old else "none", "to": "key" if new else "none"}
    try:
        done = rekey.rotate(store, old, new)
    except crypto.DataKeyError as exc:
        _audit_rotation(store, what | {"ok": False, "error": str(exc)})  # the state store is still under the old key
        fail(str(exc))
    with crypto.key_in_use(new):  # the state store is under the new key now
        _audit_rotation(store, what | {"ok": True, "lake_files": done.lake_files, "skipped": done.skipped,
                                       "statement_files": done.files, "state": done.state})
    print(f"{done.lake_files} lake file(s) rewritten, {done.files} statement file(s) rewritten, {done.skipped} "
          "already under the new key, state store "
          f"{'rewritten' if done.state else 'already under the new key'}. Now configure the new key as "
          "COSTBOOK_DATA_KEY (or [costbook] data_key) and remove the old one.", file=sys.stderr)


def _audit_rotation(store, details: dict) -> None:
    try:
        audit.record(store, access.CLI, "key.rotate", "", details)
    except crypto.DataKeyError as exc:  # the store cannot be opened at all: say so, the rotation's own error follows
        print(f"warning: the rotation could not be audited: {exc}", file=sys.stderr)


def register(sub) -> None:
    u = add_verb(sub, "users")
    us = u.add_subparsers(dest="users_verb", required=True, metavar="<users verb>")
    p = us.add_parser("load", help="create or update the users in a YAML file")
    p.add_argument("file")
    p.set_defaults(run=users_load)
    us.add_parser("dump", help="all users as YAML").set_defaults(run=users_dump)
    us.add_parser("list", help="all users as CSV").set_defaults(run=users_list)
    p = us.add_parser("add", help="add or change a user (password from stdin)")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=users.assignable_roles())
    p.add_argument("--departments", default="", help="comma-separated department ids")
    p.add_argument("--name", default="")
    p.add_argument("--email", default="")
    p.set_defaults(run=users_add)
    for verb, run, arg in (("disable", users_disable, "username"), ("enable", users_enable, "username"),
                           ("unlock", users_unlock, "name"), ("reset-password", users_reset_password, "username")):
        p = us.add_parser(verb, help=f"{verb} a user" + (" (password from stdin)" if verb == "reset-password" else ""))
        p.add_argument(arg, help="a username, or client:<address> for unlock" if verb == "unlock" else None)
        p.set_defaults(run=run)
    us.add_parser("hash", help="print a bcrypt hash of a password read from stdin").set_defaults(run=users_hash)
    a = add_verb(sub, "audit")
    aus = a.add_subparsers(dest="audit_verb", required=True, metavar="<audit verb>")
    aus.add_parser("verify", help="check the hash chain; names any edited or deleted entry").set_defaults(run=audit_verify)
    p = aus.add_parser("export", help="entries as CSV")
    p.add_argument("--out", required=True)
    for flag in ("--since", "--until", "--actor", "--action"):
        p.add_argument(flag, default=None)
    p.set_defaults(run=audit_export)
    p = add_verb(sub, "rotate-key")
    p.add_argument("--decrypt", action="store_true", help="store the data unencrypted")
    p.set_defaults(run=rotate_key)
