"""The app's pages and the permission each needs: navigation is derived from this table.

A page is reachable only when it is handed to st.navigation, and it is handed over only
when the user's role grants its permission (the lib functions check again inside).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    icon: str
    permission: str
    section: str = "Spend"


PAGES: tuple[Page, ...] = (
    Page("pages/overview.py", "Overview", ":material/dashboard:", "view_spend"),
    Page("pages/teams.py", "Teams", ":material/groups:", "view_spend"),
    Page("pages/rules.py", "Rules", ":material/rule:", "edit_config", "Configuration"),
    Page("pages/org.py", "Organization", ":material/account_tree:", "edit_config", "Configuration"),
    Page("pages/users.py", "Users", ":material/group:", "manage_users", "Admin"),
    Page("pages/audit.py", "Audit trail", ":material/policy:", "read_audit", "Admin"),
    Page("pages/anomalies.py", "Anomalies", ":material/troubleshoot:", "view_spend"),
)


def pages_for(permissions: frozenset[str]) -> list[Page]:
    return [p for p in PAGES if p.permission in permissions]
