"""Contract commitments (FOCUS 1.3 ContractCommitment) with how much of each the charges applied.

A commitment's cost and quantity come from the ContractCommitment dataset (lib.sources.focus_datasets);
what was applied is the sum, over the charges, of their ContractApplied elements naming the commitment
(ContractCommitmentAppliedCost in the billing currency, ContractCommitmentAppliedQuantity in its
unit). Left = cost - applied. The whole organization's contracts: finance and admins only.

>>> [(c.commitment_id, c.cost, c.applied_cost) for c in commitments(store, con, user)]   # doctest: +SKIP
[('CC-1', Decimal('1000.00'), Decimal('120.00'))]
"""

from dataclasses import dataclass
from decimal import Decimal

from lib.core import access, money
from lib.store.state import Store, state

APPLIED_SQL = """
    select json_extract_string(e, '$.ContractCommitmentId') as id,
           sum(try_cast(json_extract_string(e, '$.ContractCommitmentAppliedCost') as decimal(38,12))),
           sum(try_cast(json_extract_string(e, '$.ContractCommitmentAppliedQuantity') as decimal(38,12))),
           min(json_extract_string(e, '$.ContractCommitmentAppliedUnit')), count(distinct BillingCurrency),
           min(BillingCurrency)
    from (select unnest(json_extract(ContractApplied, '$.Elements[*]')) as e, BillingCurrency from charges
          where ContractApplied is not null and json_valid(ContractApplied) and (? is null or x_BillingPeriod = ?))
    group by 1"""
HEADER = ("contract", "commitment", "category", "type", "period_start", "period_end", "currency", "cost",
          "applied_cost", "left", "quantity", "applied_quantity", "unit")


@dataclass(frozen=True)
class Commitment:
    contract_id: str
    commitment_id: str
    category: str  # Spend | Usage
    type: str
    period_start: str
    period_end: str
    currency: str
    cost: Decimal | None
    applied_cost: Decimal
    quantity: Decimal | None
    applied_quantity: Decimal
    unit: str

    @property
    def left(self) -> Decimal | None:
        return None if self.cost is None else self.cost - self.applied_cost

    def as_row(self) -> tuple:
        return (self.contract_id, self.commitment_id, self.category, self.type, self.period_start, self.period_end,
                self.currency, self.cost, self.applied_cost, self.left, self.quantity, self.applied_quantity, self.unit)


def commitments(store: Store, con, user: access.User, period: str | None = None) -> list[Commitment]:
    """Every commitment with what the charges (of one billing period, or of all) applied to it."""
    access.require(user, "view_spend")
    if user.scope is not None:
        raise access.PermissionDenied(f"{user.username} sees only some departments; contracts are the whole org's")
    with state(store) as db:
        stored = db.execute("select contract_id, contract_commitment_id, category, type, period_start, period_end, "
                            "billing_currency, cost, quantity, unit from focus_contract_commitments "
                            "order by contract_id, contract_commitment_id").fetchall()
    applied = {row[0]: row[1:] for row in con.execute(APPLIED_SQL, [period, period]).fetchall()}
    out = []
    for contract, cid, category, kind, start, end, currency, cost, quantity, unit in stored:
        cost_applied, qty_applied, applied_unit, _, charge_currency = applied.get(cid, (None, None, None, 0, None))
        out.append(Commitment(contract, cid, category, kind, start, end, currency or charge_currency or "",
                              None if cost is None else money.to_decimal(cost), money.to_decimal(cost_applied),
                              None if quantity is None else money.to_decimal(quantity), money.to_decimal(qty_applied),
                              unit or applied_unit or ""))
    return out


def display(found: list[Commitment]) -> list[dict]:
    """Rows for a table a person reads: amounts formatted in the commitment's currency, percent applied."""
    def amount(value, currency):
        return "" if value is None else money.fmt(value, currency)

    return [{"contract": c.contract_id, "commitment": c.commitment_id, "category": c.category, "type": c.type,
             "term": f"{c.period_start[:10]} to {c.period_end[:10]}", "cost": amount(c.cost, c.currency),
             "applied": amount(c.applied_cost, c.currency), "left": amount(c.left, c.currency),
             "applied %": f"{c.applied_cost / c.cost:.1%}" if c.cost else "",
             "quantity": "" if c.quantity is None else f"{c.quantity.normalize():f} {c.unit}".strip(),
             "applied quantity": f"{c.applied_quantity.normalize():f} {c.unit}".strip() if c.applied_quantity else ""}
            for c in found]
