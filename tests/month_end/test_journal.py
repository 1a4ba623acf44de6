"""Journal: balanced double entry for any amounts (property), and the hand-computed bill."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.config.org import UNALLOCATED, parse_org
from lib.core import access
from lib.month_end import journal, statements
from tests import statement_helpers as h

ORG, _ = parse_org(h.ORG)
amount = st.decimals(min_value=Decimal("-5000"), max_value=Decimal("100000"), places=2, allow_nan=False)
keys = st.tuples(st.sampled_from(["USD", "EUR"]), st.sampled_from(["AWS", "Google Cloud", "Microsoft"]),
                 st.sampled_from(["web", "search", "platform", UNALLOCATED]))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys, amount, max_size=24))
def test_debits_equal_credits_equal_the_amount_charged(amounts):
    lines = journal.entries(amounts, ORG, journal.Accounts(clearing={"AWS": "2101"}), "2026-10")
    for cur in {c for c, _, _ in amounts}:
        mine = [j for j in lines if j.currency == cur]
        assert sum(j.debit for j in mine) == sum(j.credit for j in mine)
        net = sum(j.debit - j.credit for j in mine if j.team)  # team and Unallocated lines
        assert net == sum(a for (c, _, _), a in amounts.items() if c == cur)
    assert all(j.debit >= 0 and j.credit >= 0 and not (j.debit and j.credit) for j in lines)
    assert all(j.account == "2101" for j in lines if not j.team and j.provider == "AWS")


@pytest.fixture
def company(store, con, tmp_path):
    h.setup_company(store, con, tmp_path)
    return store, con


def test_journal_of_the_small_bill(company):
    store, con = company
    lines, problems = journal.journal(store, con, access.CLI, "2026-10")
    assert problems == []
    rows = [(j.journal, j.account, j.cost_center, j.team, j.provider, j.debit, j.credit) for j in lines]
    assert rows == [
        ("CB-JE-2026-10-EUR", "6200", "CC-201", "platform", "Microsoft", Decimal("80.00"), 0),
        ("CB-JE-2026-10-EUR", "2100", "", "", "Microsoft", 0, Decimal("80.00")),
        ("CB-JE-2026-10-USD", "6100", "CC-102", "search", "AWS", Decimal("72.00"), 0),
        ("CB-JE-2026-10-USD", "6100", "CC-101", "web", "AWS", Decimal("138.01"), 0),
        ("CB-JE-2026-10-USD", "6999", "", UNALLOCATED, "AWS", Decimal("7.50"), 0),
        ("CB-JE-2026-10-USD", "2100", "", "", "AWS", 0, Decimal("217.51")),  # the invoice, 217.507 half-up,
    ]
    assert {j.date for j in lines} == {"2026-10-31"}


def test_team_debits_equal_their_statements(company):
    store, con = company
    lines, _ = journal.journal(store, con, access.CLI, "2026-10")
    for team in ("web", "search", "platform"):
        st, _ = statements.build(store, con, access.CLI, team, "2026-10")
        assert sum(j.debit - j.credit for j in lines if j.team == team) == sum(b.due for b in st.blocks)


def test_account_mapping_is_configurable_and_checked(company):
    store, con = company
    assert journal.save_accounts(store, access.CLI, "clearing: [oops]") == [
        "journal accounts, clearing: expected a map of provider name to account"]
    assert journal.save_accounts(store, access.CLI, "nonsense: 1")[0].startswith("journal accounts: expected only")
    assert journal.save_accounts(store, access.CLI, "clearing: {AWS: '2105'}\nunallocated: '6990'\n") == []
    lines, _ = journal.journal(store, con, access.CLI, "2026-10")
    assert {j.account for j in lines if j.provider == "AWS" and not j.team} == {"2105"}
    assert {j.account for j in lines if j.team == UNALLOCATED} == {"6990"}


def test_journal_needs_export_permission_and_data(company):
    store, con = company
    with pytest.raises(access.PermissionDenied):
        journal.journal(store, con, access.User("vic", "viewer"), "2026-10")
    assert journal.journal(store, con, access.CLI, "2027-02") == ([], ["no charges for 2027-02"])
