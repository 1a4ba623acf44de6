"""Single sign-on through Streamlit's OpenID Connect (`st.login`), used when secrets.toml has an [auth] section.

Roles come from a groups claim, mapped in secrets.toml (the highest role among a person's
groups wins; departments are the union of what their groups grant):

    [costbook.sso]
    groups_claim = "groups"
    [costbook.sso.roles]
    "costbook-admins" = "admin"
    "costbook-finance" = "finance"
    "eng-leads" = "department_head"
    [costbook.sso.departments]
    "eng-leads" = ["engineering"]

A person who also has a row in the users table (username = their e-mail) gets that row's
role and departments instead, and is refused when that row is disabled.

The e-mail address is who a person is, so it counts only when the identity provider says it
verified it (`email_verified: true`); a provider that never sends that claim (Microsoft Entra
ID, for one) needs `require_email_verified = false` under [costbook.sso], which is safe only
when the provider lets nobody choose an address they do not own.

>>> sso_user({"email": "a@x.org", "email_verified": True, "groups": ["costbook-admins"]},
...          {"roles": {"costbook-admins": "admin"}}, set(), None)
(User(username='a@x.org', role='admin', departments=frozenset(), name='', email='a@x.org'), None)
"""

from lib.core import access
from lib.core.ids import username_problem
from lib.people import users
from lib.store import secret

ROLE_ORDER = ("admin", "finance", "department_head", "viewer")


def configured() -> bool:
    auth = secret.section("auth")
    return bool(auth.get("client_id") or any(isinstance(v, dict) for v in auth.values()))


def mapping() -> dict:
    return secret.section("costbook").get("sso") or {}


def _groups(claims: dict, claim: str) -> list[str]:
    found = claims.get(claim) or []
    return [found] if isinstance(found, str) else [str(g) for g in found]


def sso_user(claims: dict, config: dict, known_departments: set[str],
             account: users.Account | None) -> tuple[access.User | None, str | None]:
    """The Costbook user for an identity token's claims, or (None, why not)."""
    username = str(claims.get("email") or "").strip().lower()
    if not username:
        return None, "The sign-in did not say who you are (no email claim). Ask an admin."
    if config.get("require_email_verified", True) and claims.get("email_verified") not in (True, "true", "True"):
        return None, "Your identity provider did not confirm your e-mail address (email_verified). Ask an admin."
    if problem := username_problem(username):
        return None, f"Costbook cannot use this e-mail address as a username: {problem}. Ask an admin."
    if account is not None:
        if account.disabled:
            return None, "This account is disabled. Ask an admin."
        return account.as_user(), None
    groups = _groups(claims, config.get("groups_claim", "groups"))
    granted = {config.get("roles", {}).get(g) for g in groups}
    role = next((r for r in ROLE_ORDER if r in granted), None)
    if role is None:
        return None, "None of your groups gives access to Costbook. Ask an admin."
    depts = frozenset(d for g in groups for d in config.get("departments", {}).get(g, []))
    if role in access.SCOPED_ROLES and not depts:
        return None, f"Your groups make you a {role.replace('_', ' ')} but grant no department. Ask an admin."
    if known_departments and not depts <= known_departments:
        return None, "Your groups name a department Costbook does not know. Ask an admin."
    name = str(claims.get("name") or "")
    return access.User(username, role, depts if role in access.SCOPED_ROLES else frozenset(), name, username), None


