"""The records of a chargeback statement: its lines, adjustments, currency blocks and the statement.

lib.month_end.statements builds them from the period's cells (lib.allocation.cells); the CSV,
PDF, journal and close read them. Every amount is in cents and is a sum of cells.

>>> b = Block("USD", Decimal("10.00"), None, None, (Line("web", "AWS", "EC2", "1", "a", "Team tag", Decimal(1),
...           Decimal("10.00")),), (Adjustment("2026-09", "web", "AWS", Decimal("-2.50")),))
>>> b.due, b.by("provider")
(Decimal('7.50'), [('AWS', Decimal('10.00'))])
"""

from dataclasses import dataclass
from decimal import Decimal

from lib.reports.usage import UsageShare


@dataclass(frozen=True)
class Line:
    team: str
    provider: str
    service: str
    account_id: str
    account_name: str
    rule: str  # '' for charges no rule touched (cannot happen for a team, kept for Unallocated)
    share: Decimal  # 1 for direct charges, the team's share for split ones
    amount: Decimal  # cents: a sum of cells


@dataclass(frozen=True)
class Adjustment:
    source_period: str  # the closed period whose data the provider restated
    team: str
    provider: str
    amount: Decimal  # cents: a sum of cells


@dataclass(frozen=True)
class Block:
    currency: str
    total: Decimal  # the period's charges: the sum of the lines
    previous: Decimal | None  # the previous period's total
    budget: Decimal | None
    lines: tuple[Line, ...]
    adjustments: tuple[Adjustment, ...] = ()
    trend: tuple[tuple[str, Decimal], ...] = ()  # (period, total), oldest first
    resources: tuple[tuple[str, str, str, Decimal], ...] = ()  # (resource id, name, service, amount), top first
    usage: tuple[UsageShare, ...] = ()  # the teams' shares of the usage their usage-split lines were split by

    @property
    def due(self) -> Decimal:
        return self.total + sum((a.amount for a in self.adjustments), Decimal(0))

    @property
    def change(self) -> Decimal | None:
        return None if self.previous is None else self.total - self.previous

    @property
    def variance(self) -> Decimal | None:
        """Budget left (positive) or overspent (negative)."""
        return None if self.budget is None else self.budget - self.total

    def by(self, *fields: str) -> list[tuple]:
        """Sums of the lines grouped by Line fields, largest first: by('provider', 'service')."""
        sums: dict[tuple, Decimal] = {}
        for line in self.lines:
            key = tuple(getattr(line, f) for f in fields)
            sums[key] = sums.get(key, Decimal(0)) + line.amount
        return sorted(((*k, v) for k, v in sums.items()), key=lambda r: (-r[-1], r[:-1]))

    def shared(self) -> list[Line]:
        return [line for line in self.lines if line.share != 1]


@dataclass(frozen=True)
class Statement:
    number: str
    kind: str  # 'team' | 'department'
    subject: str  # team or department id
    subject_name: str
    department: str
    department_name: str
    cost_center: str
    organization: str
    period: str
    metric: str  # 'effective' | 'billed' | 'list'
    status: str  # 'draft' (period open) or 'final' (period closed)
    rules_version: int | None
    data_version: str  # fingerprint of the lake files the period was read from
    blocks: tuple[Block, ...]
    colour: str = ""  # the subject's chart colour (lib.reports.palette), '#RRGGBB'
