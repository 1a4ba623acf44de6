"""Who may do what: roles are data, and every lib function that reads or changes data checks here.

>>> dana = User("dana", "department_head", frozenset({"engineering"}))
>>> can(dana, "close_month"), dana.sees("engineering"), dana.sees("sales"), dana.sees(None)
(False, True, False, False)
"""

from dataclasses import dataclass

PERMISSIONS = {
    "view_spend": "See spend, budgets and anomalies (scoped to the user's departments)",
    "export": "Download statements, CSVs and the journal",
    "export_focus": "Export the whole bill and its allocation as FOCUS",
    "edit_config": "Edit allocation rules, org structure and budgets",
    "close_month": "Reconcile, close and reopen months",
    "manage_sources": "Connect billing sources and run refreshes",
    "manage_users": "Add, disable and change users and roles",
    "read_audit": "Read and export the audit trail",
    "triage": "Triage anomalies and comment on budget variances",
}

ROLES: dict[str, frozenset[str]] = {
    "admin": frozenset({"view_spend", "export", "export_focus", "manage_sources", "manage_users", "read_audit",
                        "triage"}),
    "finance": frozenset({"view_spend", "export", "export_focus", "edit_config", "close_month", "triage"}),
    "department_head": frozenset({"view_spend", "export", "triage"}),
    "viewer": frozenset({"view_spend"}),
}
SCOPED_ROLES = frozenset({"department_head", "viewer"})


class PermissionDenied(Exception):
    pass


@dataclass(frozen=True)
class User:
    username: str
    role: str
    departments: frozenset[str] = frozenset()  # only meaningful for scoped roles
    name: str = ""
    email: str = ""

    @property
    def scope(self) -> frozenset[str] | None:
        """The departments this user may see; None means the whole organization."""
        return self.departments if self.role in SCOPED_ROLES else None

    @property
    def whole_org(self) -> bool:
        """True for roles that see every department (and so the Unallocated remainder)."""
        return self.scope is None

    def sees(self, department: str | None) -> bool:
        """THE scope rule: may this user see this department's numbers? (Unallocated has no department.)"""
        return self.scope is None or department in self.scope


# The CLI runs jobs for finance and admins on the machine itself: all permissions, unscoped.
CLI = User("cli", "cli", name="Command line")
ROLES["cli"] = frozenset(PERMISSIONS)


def can(user: User, permission: str) -> bool:
    return permission in ROLES.get(user.role, frozenset())


def require(user: User, permission: str) -> None:
    if not can(user, permission):
        raise PermissionDenied(f"{user.username} ({user.role}) may not {PERMISSIONS[permission].lower()}")


def permissions(user: User) -> frozenset[str]:
    return ROLES.get(user.role, frozenset())
