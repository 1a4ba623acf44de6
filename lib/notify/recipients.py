"""Who is told: the owners and heads of a team or department, the admins, and their e-mail addresses.
"""

from lib.config.org import Org
from lib.notify import channels
from lib.store.state import Store, state


def recipients(org: Org, scope: str, owner: str) -> tuple[str, ...]:
    """Usernames told about a team's or department's budget: the team's owners and the department heads."""
    if scope == "team":
        team = org.team(owner)
        names = [*team.owners, *org.department(team.department).heads]
    else:
        names = list(org.department(owner).heads)
    return tuple(dict.fromkeys(names))


def email_of(store: Store, username: str, known: dict | None = None) -> str | None:
    """A user's e-mail from the users table, else <username>@<mail domain>; None for a disabled user."""
    known = known if known is not None else emails(store)
    if username in known and known[username] is None:
        return None  # disabled accounts get no mail
    if known.get(username):
        return known[username]
    domain = channels.mail_domain()
    return f"{username}@{domain}" if domain else None


def emails(store: Store) -> dict[str, str | None]:
    """username -> e-mail ('' when none is set, None when the account is disabled)."""
    with state(store) as db:
        return {u: None if disabled else (e or "")
                for u, e, disabled in db.execute("select username, email, disabled from users")}


def admins(store: Store) -> tuple[str, ...]:
    """Usernames of the enabled admins: who is told about the health of the pipeline."""
    with state(store) as db:
        return tuple(r[0] for r in db.execute("select username from users where role = 'admin' and disabled = 0 "
                                              "order by username"))
