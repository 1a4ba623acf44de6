"""The one record of what is wrong with an input: where (file, row, column) and why.

Every validator returns these; pages show them and the CLI prints them (exit 2).

>>> str(Problem("bill.csv", 12, "BilledCost", "cannot read as a number: 1,2"))
'bill.csv, row 12, column BilledCost: cannot read as a number: 1,2'
"""

from dataclasses import dataclass

MAX_PROBLEMS = 200  # problems listed per import or check: enough to fix a file, never a flood


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.reason}"
