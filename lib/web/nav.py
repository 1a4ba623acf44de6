"""The app's pages and the permission each needs: navigation is derived from this table.

A page is reachable only when it is handed to st.navigation, and it is handed over only
when the user's role grants its permission (the lib functions check again inside).
"""

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Page:
    path: str
    title: str
    icon: str
    permission: str
    section: str = "Spend"
    needs_data: bool = True  # hidden until billing data exists


PAGES: tuple[Page, ...] = (
    Page("pages/overview.py", "Overview", ":material/dashboard:", "view_spend"),
    Page("pages/teams.py", "Teams", ":material/groups:", "view_spend"),
    Page("pages/rules.py", "Rules", ":material/rule:", "edit_config", "Configuration"),
    Page("pages/org.py", "Organization", ":material/account_tree:", "edit_config", "Configuration", needs_data=False),
    Page("pages/users.py", "Users", ":material/group:", "manage_users", "Admin", needs_data=False),
    Page("pages/audit.py", "Audit trail", ":material/policy:", "read_audit", "Admin", needs_data=False),
    Page("pages/data_sources.py", "Data sources", ":material/cloud_sync:", "manage_sources", "Admin", needs_data=False),
    Page("pages/health.py", "Health", ":material/monitor_heart:", "manage_sources", "Admin", needs_data=False),
    Page("pages/anomalies.py", "Anomalies", ":material/troubleshoot:", "view_spend"),
    Page("pages/budgets.py", "Budgets", ":material/savings:", "view_spend"),
    Page("pages/alerts.py", "Alerts", ":material/notifications:", "view_spend"),
    Page("pages/statements.py", "Statements", ":material/receipt_long:", "export", "Month end"),
    Page("pages/close.py", "Close & reconcile", ":material/lock_clock:", "close_month", "Month end"),
)


def page_at(filename: str) -> Page | None:
    """The registered page whose script is this file (None for any other file)."""
    path = Path(filename).resolve()
    return next((p for p in PAGES if (ROOT / p.path).resolve() == path), None)


def pages_for(permissions: frozenset[str]) -> list[Page]:
    return [p for p in PAGES if p.permission in permissions]
