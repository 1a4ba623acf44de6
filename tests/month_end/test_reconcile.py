"""Reconciliation on each cost basis compares like with like: the list basis is ListCost where the
provider publishes one and BilledCost where it does not, on both sides."""

import pytest

from lib.core import access
from lib.month_end import reconcile, statements
from lib.store.lake import new_duck
from tests.bill import charge
from tests.conftest import load_bill


@pytest.mark.parametrize("metric", ["effective", "billed", "list"])
def test_a_tax_line_without_list_cost_reconciles_on_every_basis(configured, tmp_path, metric):
    load_bill(configured, tmp_path, [charge("web", "Amazon EC2", "10.00", InvoiceId="INV-1"),
                                     charge(None, "Tax", "1.30", category="Other", ChargeCategory="Tax", ListCost="",
                                            InvoiceId="INV-1")])
    con = statements.prepare(configured, new_duck())
    result = reconcile.reconcile(configured, con, access.CLI, "2026-10", metric)
    assert result.passed, [str(d) for d in result.differences]
