"""The rules editor's preview: per-team totals before and after a draft, and the charges that move."""

from decimal import Decimal as D

import pytest

from lib.allocation import impact
from lib.config import versions
from lib.config.rules import Condition, Rule
from lib.core import access
from lib.store import tags as store_tags
from lib.store.lake import engine, new_duck
from lib.store.state import active_files
from tests.bill import charge
from tests.conftest import RULES, load_bill


def test_a_draft_shows_totals_before_after_and_moved_charges(configured, tmp_path):
    load_bill(configured, tmp_path, [
        charge("web", "Amazon EC2", "100.00"),
        charge(None, "Amazon VPC", "10.00", category="Networking"),
        charge(None, "Amazon VPC", "20.00", category="Networking", day="2026-10-06"),
        charge(None, "Amazon S3", "5.00"),
    ])
    draft = RULES.replace("split: {web: 60, search: 40}", "split: {web: 50, search: 50}") + (
        "  - name: Storage to search\n    match: {service_name: Amazon S3}\n    to: search\n")
    result = impact.impact(configured, engine(configured, new_duck()), access.CLI, "2026-10", draft)
    assert result.errors == []
    rows = {team: (before, after, change) for team, _, before, after, change in result.rows}
    assert rows["web"] == (D("118"), D("115"), D("-3"))
    assert rows["search"] == (D("12"), D("20"), D("8"))
    assert rows["Unallocated"] == (D("5"), D("0"), D("-5"))
    assert result.charges_moved == 3  # two networking charges change shares, the S3 charge finds a team
    assert result.amount_moved == {"USD": D("8")}  # a tenth of the 30 of networking, and the 5 of S3
    s3 = next(m for m in result.sample if m.rule_after == "Storage to search")
    assert (s3.rule_before, s3.to_before, s3.to_after) == ("no rule", (("Unallocated", 1),), (("search", 1),))
    assert len(versions.versions(configured)) == 1  # nothing was saved


def test_a_draft_with_errors_is_not_allocated(configured):
    result = impact.impact(configured, engine(configured, new_duck()), access.CLI, "2026-10",
                           "rules:\n  - {name: X, match: {service_name: S3}, to: nobody}\n")
    assert result.rows == [] and result.errors == ["draft: rule 'X', to: unknown team 'nobody'"]


def test_destinations_and_keys_with_quotes_are_quoted_not_pasted(configured, tmp_path):
    """A team id or tag key with an apostrophe or a double quote compares as text; it never breaks the SQL."""
    load_bill(configured, tmp_path, [charge("web", "Amazon EC2", "5.00"), charge("search", "Amazon S3", "3.00")])
    con = engine(configured, new_duck())
    source = store_tags.source(configured, active_files(configured), ("o'k\"ey",))
    ec2 = Condition("service_name", ("Amazon EC2",))
    before = (Rule("EC2", (ec2,), to="o'neil"), Rule("tag", (Condition("tags.o'k\"ey", ("*",)),), to_tag="o'k\"ey"))
    after = (Rule("EC2", (ec2,), to="o'neil\""),)
    org = versions.current_org(configured)
    assert impact.moves(con, source, "2026-10", before, before, org, [])[0] == 0
    assert impact.moves(con, source, "2026-10", before, after, org, [])[:2] == (1, {"USD": D("5")})


def test_an_unknown_cost_basis_is_refused_before_it_reaches_sql(configured, tmp_path):
    load_bill(configured, tmp_path, [charge("web", "Amazon EC2", "5.00")])
    con = engine(configured, new_duck())
    with pytest.raises(ValueError, match="unknown cost basis"):
        impact.impact(configured, con, access.CLI, "2026-10", RULES, metric="effective) from x; --")


def test_an_untouched_draft_moves_nothing_whatever_the_order_of_keys(configured, tmp_path):
    load_bill(configured, tmp_path, [charge("web", "Amazon EC2", "100.00"),
                                     charge(None, "Amazon VPC", "10.00", category="Networking")])
    con = engine(configured, new_duck())
    reordered = RULES.replace("split: {web: 60, search: 40}", "split: {search: 40.0, web: 60}").replace(
        "among: [web, search]", "among: [search, web]").replace(
        '["111111111111", "222222222222"]', '["222222222222", "111111111111"]')
    for draft in (RULES, reordered):
        result = impact.impact(configured, con, access.CLI, "2026-10", draft)
        assert result.unchanged and result.charges_moved == 0 and result.sample == []
        assert all(change == 0 for *_, change in result.rows)


def test_one_rule_moved_up_moves_exactly_the_charges_it_now_catches_first(configured, tmp_path):
    load_bill(configured, tmp_path, [
        charge("web", "Amazon VPC", "50.00", category="Networking"),  # tagged: Team tag took it, now the split
        charge(None, "Amazon VPC", "10.00", category="Networking"),  # untagged: the split before and after
        charge("search", "Amazon EC2", "70.00"),  # only the tag rule matches
    ])
    lines = RULES.split("  - name: ")
    net = next(r for r in lines if r.startswith("Shared networking"))
    draft = "".join([lines[0], "  - name: " + net, *("  - name: " + r for r in lines[1:] if r != net)])
    result = impact.impact(configured, engine(configured, new_duck()), access.CLI, "2026-10", draft)
    assert not result.unchanged and result.errors == []
    assert (result.charges_moved, result.amount_moved) == (1, {"USD": D("20")})  # search's 40% of the 50
    [moved] = result.sample
    assert (moved.rule_before, moved.rule_after) == ("Team tag", "Shared networking")
    assert moved.to_before == (("web", 1),) and dict(moved.to_after) == {"web": D("0.6"), "search": D("0.4")}
    rows = {team: change for team, _, _, _, change in result.rows}
    assert rows == {"web": D("-20"), "search": D("20")}
