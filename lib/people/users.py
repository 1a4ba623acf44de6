"""People who may log in: role, departments and a bcrypt password hash, kept in the state store.

Admins manage users in the app (pages/users.py) or provision them from YAML:

    users:
      - {username: dana, name: Dana Lee, email: dana@example.com, role: department_head,
         departments: [engineering], password_hash: "$2b$12$..."}

Plain passwords are never stored or accepted in files, only bcrypt hashes
(``python -m lib users hash`` makes one). Every change is audited with before and after.

>>> password_problems("short", "dana")
['a password needs at least 12 characters', 'a password needs both letters and digits or symbols']
"""

from dataclasses import asdict, dataclass

import bcrypt
import yaml

from lib.config.versions import current_org
from lib.core import access
from lib.core.ids import username_problem
from lib.people import sessions
from lib.store import audit
from lib.store.state import Store, now_iso, state

MIN_PASSWORD = 12
COMMON = ("password", "123456", "qwerty", "letmein", "welcome", "costbook", "admin", "changeme")
DEMO_PASSWORD = "costbook-demo-2026"  # public: shown on the login page in demo mode, refused for real use
USER_FIELDS = ("username", "name", "email", "role", "departments", "password_hash", "disabled")


@dataclass(frozen=True)
class Account:
    """A user row as admins see it (the hash itself is never handed to pages)."""
    username: str
    role: str
    departments: tuple[str, ...] = ()
    name: str = ""
    email: str = ""
    disabled: bool = False
    demo: bool = False
    has_password: bool = False

    def as_user(self) -> access.User:
        return access.User(self.username, self.role, frozenset(self.departments), self.name, self.email)


def assignable_roles() -> list[str]:
    """Roles a person may have: every role in access.ROLES except the command line's own."""
    return [r for r in access.ROLES if r != access.CLI.role]


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def password_problems(password: str, username: str = "") -> list[str]:
    """Why a password is too weak; [] when it is acceptable."""
    problems = []
    if len(password) < MIN_PASSWORD:
        problems.append(f"a password needs at least {MIN_PASSWORD} characters")
    if password.isalpha() or password.isdigit():
        problems.append("a password needs both letters and digits or symbols")
    lower = password.lower()
    if password == DEMO_PASSWORD:
        problems.append("a password must not be the public demo password")
    if username and username.lower() in lower:
        problems.append("a password must not contain the username")
    if lower.strip("0123456789!@#$%^&*()-_=+.,? ") in COMMON:
        problems.append("a password must not be a common word with digits or symbols added")
    return problems


def check_user(username: str, role: str, departments, known: set[str], where: str) -> list[str]:
    """Problems with a user's name, role and departments, each prefixed by `where`."""
    problems = []
    if problem := username_problem(username):
        problems.append(f"{where}: {problem}")
    if role not in assignable_roles():
        problems.append(f"{where}: unknown role {role!r}; roles: {', '.join(assignable_roles())}")
    if role in access.SCOPED_ROLES and not departments:
        problems.append(f"{where}: a {role} needs at least one department")
    unknown = sorted(set(departments) - known)
    if unknown:
        problems.append(f"{where}: unknown department(s) {', '.join(unknown)}"
                        + ("" if known else " (no org structure is loaded yet)"))
    return problems


def _row_account(row) -> Account:
    depts = tuple(d for d in row["departments"].split(",") if d)
    return Account(row["username"], row["role"], depts, row["name"], row["email"], bool(row["disabled"]),
                   bool(row["demo"]), row["password_hash"] is not None)


def _get(db, username: str) -> Account | None:
    row = db.execute("select * from users where username = ?", (username,)).fetchone()
    return _row_account(row) if row else None


def account(store: Store, username: str) -> Account | None:
    """The account of a logged-in user (no permission needed: the login gate reads it every run)."""
    with state(store) as db:
        return _get(db, username)


def list_users(store: Store, actor: access.User) -> list[Account]:
    access.require(actor, "manage_users")
    with state(store) as db:
        return [_row_account(r) for r in db.execute("select * from users order by username")]


def _departments(store: Store) -> set[str]:
    return {d.id for d in current_org(store).departments}


def _audit_change(db, store, actor, action, username, before: Account | None, after: Account | None):
    details = {"before": asdict(before) if before else None, "after": asdict(after) if after else None}
    audit.record(store, actor, action, username, details, db=db)


def save_user(store: Store, actor: access.User, username: str, role: str, departments=(), name: str = "",
              email: str = "", password: str | None = None) -> list[str]:
    """Add a user, or change an existing user's role, departments, name and email; returns problems."""
    access.require(actor, "manage_users")
    departments = tuple(sorted(set(departments)))
    problems = check_user(username, role, departments, _departments(store), f"user {username!r}")
    if password is not None:
        problems += password_problems(password, username)
    if problems:
        return problems
    now, digest = now_iso(), hash_password(password) if password is not None else None
    with state(store, write=True) as db:
        before = _get(db, username)
        if before is None and digest is None:
            return [f"user {username!r}: a new user needs a password"]
        db.execute(
            "insert into users (username, name, email, role, departments, password_hash, created_at, updated_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?) on conflict(username) do update set name = excluded.name, "
            "email = excluded.email, role = excluded.role, departments = excluded.departments, "
            "password_hash = coalesce(excluded.password_hash, users.password_hash), "
            "demo = case when excluded.password_hash is null then users.demo else 0 end, updated_at = excluded.updated_at",
            (username, name, email, role, ",".join(departments), digest, now, now),
        )
        if before is not None and digest is not None:
            sessions.revoke_all(store, username, "password changed", db=db)
        _audit_change(db, store, actor, "user.add" if before is None else "user.change", username, before,
                      _get(db, username))
    return []


def set_disabled(store: Store, actor: access.User, username: str, disabled: bool = True) -> list[str]:
    access.require(actor, "manage_users")
    if disabled and username == actor.username:
        return ["you cannot disable your own account"]
    with state(store, write=True) as db:
        before = _get(db, username)
        if before is None:
            return [f"no user {username!r}"]
        db.execute("update users set disabled = ?, updated_at = ? where username = ?", (int(disabled), now_iso(), username))
        if disabled:
            sessions.revoke_all(store, username, "disabled", db=db)
        _audit_change(db, store, actor, "user.disable" if disabled else "user.enable", username, before, _get(db, username))
    return []


def reset_password(store: Store, actor: access.User, username: str, password: str) -> list[str]:
    """Set a new password (admins for anyone, a user for themself); clears the demo flag."""
    if actor.username != username:
        access.require(actor, "manage_users")
    problems = password_problems(password, username)
    if problems:
        return problems
    digest = hash_password(password)
    with state(store, write=True) as db:
        if _get(db, username) is None:
            return [f"no user {username!r}"]
        db.execute("update users set password_hash = ?, demo = 0, updated_at = ? where username = ?",
                   (digest, now_iso(), username))
        sessions.revoke_all(store, username, "password reset", db=db)  # a stolen cookie stops working too
        audit.record(store, actor, "user.reset_password", username, {}, db=db)
    return []


def parse_users(text: str, known: set[str], source: str = "users.yaml") -> tuple[list[dict], list[str]]:
    """Validate a users YAML file; returns (user records, problems naming the entry and field)."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        return [], [f"{source}: not valid YAML: {exc}"]
    if not isinstance(data, dict) or not isinstance(data.get("users"), list):
        return [], [f"{source}: expected a 'users:' list"]
    records, problems, seen = [], [], set()
    for i, entry in enumerate(data["users"], start=1):
        where = f"{source}: user #{i}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a mapping with username, role, departments")
            continue
        where = f"{source}: user {entry.get('username', f'#{i}')}"
        problems += _entry_problems(entry, where, known, seen)
        depts = entry.get("departments") or []
        records.append({"username": str(entry.get("username", "")), "name": str(entry.get("name") or ""),
                        "email": str(entry.get("email") or ""), "role": str(entry.get("role", "")),
                        "departments": tuple(sorted(map(str, depts if isinstance(depts, list) else [depts]))),
                        "password_hash": entry.get("password_hash"), "disabled": bool(entry.get("disabled", False))})
    return (records, []) if not problems else ([], problems)


def _entry_problems(entry: dict, where: str, known: set[str], seen: set[str]) -> list[str]:
    problems = [f"{where}: unknown field {k!r}" for k in entry if k not in USER_FIELDS and k != "password"]
    if "password" in entry:
        problems.append(f"{where}: plain passwords are not accepted; give a bcrypt password_hash "
                        "(python -m lib users hash)")
    digest = entry.get("password_hash")
    if digest is not None and not (isinstance(digest, str) and digest.startswith(("$2a$", "$2b$", "$2y$"))
                                   and len(digest) == 60):
        problems.append(f"{where}, password_hash: not a bcrypt hash")
    elif digest is not None and bcrypt.checkpw(DEMO_PASSWORD.encode(), digest.encode()):
        problems.append(f"{where}, password_hash: a hash of the public demo password")
    depts = entry.get("departments") or []
    if not isinstance(depts, list):
        problems.append(f"{where}, departments: expected a list")
        depts = []
    username = str(entry.get("username") or "")
    problems += check_user(username, str(entry.get("role", "")), [str(d) for d in depts], known, where)
    if username in seen:
        problems.append(f"{where}: username appears twice")
    seen.add(username)
    return problems


def load_users(store: Store, actor: access.User, text: str, source: str = "users.yaml") -> tuple[int, list[str]]:
    """Create or update every user in the file (others are left alone); nothing changes on any problem."""
    access.require(actor, "manage_users")
    records, problems = parse_users(text, _departments(store), source)
    if problems:
        return 0, problems
    with state(store, write=True) as db:
        missing = [r["username"] for r in records if r["password_hash"] is None and _get(db, r["username"]) is None]
        if missing:
            return 0, [f"{source}: user {u}: a new user needs a password_hash" for u in missing]
        for r in records:
            before, now = _get(db, r["username"]), now_iso()
            old_hash = db.execute("select password_hash from users where username = ?", (r["username"],)).fetchone()
            if old_hash and r["password_hash"] not in (None, old_hash[0]):
                sessions.revoke_all(store, r["username"], "password changed", db=db)
            db.execute(
                "insert into users (username, name, email, role, departments, password_hash, disabled, created_at, "
                "updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict(username) do update set "
                "name = excluded.name, email = excluded.email, role = excluded.role, departments = excluded.departments, "
                "password_hash = coalesce(excluded.password_hash, users.password_hash), disabled = excluded.disabled, "
                "updated_at = excluded.updated_at",
                (r["username"], r["name"], r["email"], r["role"], ",".join(r["departments"]), r["password_hash"],
                 int(r["disabled"]), now, now),
            )
            _audit_change(db, store, actor, "user.load", r["username"], before, _get(db, r["username"]))
    return len(records), []


def dump_users(store: Store, actor: access.User) -> str:
    """All users as provisioning YAML (with hashes, so the file can be loaded again)."""
    access.require(actor, "manage_users")
    with state(store) as db:
        rows = db.execute("select * from users order by username").fetchall()
    users = [{"username": r["username"], "name": r["name"], "email": r["email"], "role": r["role"],
              "departments": [d for d in r["departments"].split(",") if d], "password_hash": r["password_hash"],
              "disabled": bool(r["disabled"])} for r in rows]
    return yaml.safe_dump({"users": users}, sort_keys=False, allow_unicode=True)




def create_demo_users(store: Store) -> list[str]:
    """Demo users for the demo company: admin, finance, one head per department, a viewer.

    They are flagged `demo`; outside demo mode the app refuses to start while any enabled
    demo user still has the demo password (resetting the password clears the flag).
    """
    depts = [d.id for d in current_org(store).departments]
    people = [("admin", "admin", ()), ("finance", "finance", ())]
    people += [(f"head-{d}", "department_head", (d,)) for d in depts]
    people += [("viewer", "viewer", tuple(depts[:1]))] if depts else []
    digest, now = hash_password(DEMO_PASSWORD), now_iso()  # one hash: the password is public anyway
    with state(store, write=True) as db:
        for username, role, scope in people:
            db.execute(
                "insert into users (username, name, email, role, departments, password_hash, demo, created_at, "
                "updated_at) values (?, ?, ?, ?, ?, ?, 1, ?, ?) on conflict(username) do update set "
                "role = excluded.role, departments = excluded.departments, password_hash = excluded.password_hash, "
                "demo = 1, disabled = 0, updated_at = excluded.updated_at",
                (username, f"Demo {role.replace('_', ' ')}", f"{username}@demo.invalid", role, ",".join(scope),
                 digest, now, now),
            )
        audit.record(store, "demo", "user.demo_create", "", {"users": [p[0] for p in people]}, db=db)
    return [p[0] for p in people]
