"""The alert record every kind of alert (budget, anomaly, health) produces, and the result of a check run.
"""

from dataclasses import dataclass, field

GRACE_DAYS = 3  # budget alerts keep running this many days after a period ends, while late charges arrive


@dataclass(frozen=True)
class Alert:
    kind: str  # 'budget-alert', 'anomaly-alert', ...: kinds ending in 'alert' are retried from their stored text
    key: str  # dedup key: the same key is never sent twice to the same recipient
    subject: str
    body: str
    recipients: tuple[str, ...]  # usernames
    department: str | None = None  # who may see it in the alert log (None: unscoped users only)


@dataclass(frozen=True)
class CheckResult:
    alerts: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    errors: tuple[str, ...] = field(default_factory=tuple)
