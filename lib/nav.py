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
    Page("pages/anomalies.py", "Anomalies", ":material/troubleshoot:", "view_spend"),
)


def pages_for(permissions: frozenset[str]) -> list[Page]:
    return [p for p in PAGES if p.permission in permissions]
