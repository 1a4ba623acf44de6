"""Property: for any bill and any rules, every artifact shows the same cents and they add up to the invoices.

Random bills (three providers, several billing accounts, two currencies, two months, credits,
sub-cent amounts, charges with and without an InvoiceId) and random rule sets (assign, tag,
fixed, even and proportional splits, a proportional split whose base can be zero) go through the
real import and allocation path. For every period, currency and cost basis:

- the journal balances, and each provider's clearing credit is the sum of its billing accounts'
  invoices, each (account, invoice) total rounded half-up;
- each team's journal debit equals its statement's amount charged equals `totals --by team`;
- each department's total equals the sum of its teams';
- the teams (and Unallocated) add up to the bill, and each team is within a cent per billing
  account and invoice it has charges in of its exact amount.
"""

import tempfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.config import versions
from lib.config.org import UNALLOCATED
from lib.core import access
from lib.month_end import journal, statements
from lib.reports import spend
from lib.store.lake import new_duck
from lib.store.state import open_store
from tests.bill import charge
from tests.conftest import ORG, load_bill

D = Decimal
CENT = D("0.01")
ACCOUNTS = {  # billing account -> (provider, currency)
    "aws-payer": ("AWS", "USD"), "aws-eu": ("AWS", "EUR"), "gcp-1": ("Google Cloud", "USD"),
    "ms-ea": ("Microsoft", "EUR"), "ms-usd": ("Microsoft", "USD")}
SERVICES = {"Compute": "Compute", "Network": "Networking", "Support": "Management and Governance",
            "Shared DB": "Databases", "Orphan Cache": "Storage"}
amounts = st.decimals(min_value=D("-40"), max_value=D("900"), places=4, allow_nan=False, allow_infinity=False)
charges = st.lists(st.tuples(
    st.sampled_from(sorted(ACCOUNTS)), st.sampled_from([None, "INV-A", "INV-B"]), st.sampled_from(sorted(SERVICES)),
    st.sampled_from(["web", "search", "data-platform", "nobody", None]), st.sampled_from(["sub-1", "sub-2"]),
    st.sampled_from(["2026-10-03", "2026-10-20", "2026-11-04"]), amounts, amounts), min_size=1, max_size=30)
RULES = {
    "tag": {"match": {"tags.team": "*"}, "to": "tag:team"},
    "assign": {"match": {"sub_account_id": "sub-2", "service_name": "Compute"}, "to": "data-platform"},
    "fixed": {"match": {"service_category": "Networking"}, "split": {"web": 70, "search": 30}},
    "even": {"match": {"service_name": "Support"}, "split": "even", "among": ["web", "search", "data-platform"]},
    "proportional": {"match": {"service_name": "Shared*"}, "split": "proportional"},
    "zero base": {"match": {"service_name": "Orphan*"}, "split": "proportional", "among": ["data-platform"]},
}
rule_sets = st.lists(st.sampled_from(sorted(RULES)), unique=True, max_size=len(RULES))


def half_up(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def bill(rows) -> list[dict]:
    out = []
    for account, invoice, service, team, sub, day, billed, effective in rows:
        provider, currency = ACCOUNTS[account]
        out.append(charge(team, service, effective, billed=billed, day=day, category=SERVICES[service],
                          ChargeCategory="Credit" if billed < 0 else "Usage", ProviderName=provider,
                          PublisherName=provider, InvoiceIssuerName=provider, BillingAccountId=account,
                          BillingCurrency=currency, InvoiceId=invoice or "", SubAccountId=sub))
    return out


def store_with(rows, names):
    store = open_store(Path(tempfile.mkdtemp(prefix="cents-")) / "data")
    assert versions.save_org(store, ORG, access.CLI, "setup")[1] == []
    text = yaml.safe_dump({"rules": [dict(RULES[n], name=n) for n in names]})
    assert versions.save_rules(store, text, access.CLI, "setup")[1] == []
    load_bill(store, store.data_dir.parent, bill(rows))
    return store, statements.prepare(store, new_duck())


def invoices(rows, metric: str) -> dict[tuple[str, str, str], Decimal]:
    """(period, currency, provider) -> the sum of its (account, invoice) totals, each rounded half-up."""
    exact: dict[tuple, Decimal] = {}
    for account, invoice, _, _, _, day, billed, effective in rows:
        key = (day[:7], ACCOUNTS[account][1], ACCOUNTS[account][0], account, invoice)
        exact[key] = exact.get(key, D(0)) + (billed if metric == "billed" else effective)
    out: dict[tuple, Decimal] = {}
    for (period, cur, provider, _, _), amount in exact.items():
        out[(period, cur, provider)] = out.get((period, cur, provider), D(0)) + half_up(amount)
    return out


def check_period(store, con, rows, period: str, metric: str) -> None:
    lines, problems = journal.journal(store, con, access.CLI, period, metric)
    assert problems == []
    want = {k[1:]: v for k, v in invoices(rows, metric).items() if k[0] == period}
    for cur in {c for c, _ in want}:
        mine = [j for j in lines if j.currency == cur]
        assert sum(j.debit for j in mine) == sum(j.credit for j in mine)
        credits = {p: sum((j.credit - j.debit for j in mine if j.provider == p and not j.team), D(0))
                   for c, p in want if c == cur}
        assert {p: a for p, a in credits.items() if a} == {p: a for (c, p), a in want.items() if c == cur and a}
    by_team = {(t, c): a for t, c, a in spend.totals(con, access.CLI, period, "team", metric)}
    sts, _ = statements.build_all(store, con, access.CLI, period, metric)
    stated = {(s.subject, b.currency): b.due for s in sts for b in s.blocks}
    debits = {}
    for j in lines:
        if j.team and j.team != UNALLOCATED:
            debits[(j.team, j.currency)] = debits.get((j.team, j.currency), D(0)) + j.debit - j.credit
    teams = {k: v for k, v in by_team.items() if k[0] != UNALLOCATED and v}
    assert {k: v for k, v in debits.items() if v} == {k: v for k, v in stated.items() if v} == teams
    check_sums(con, period, metric, by_team, want)


def check_sums(con, period: str, metric: str, by_team, want) -> None:
    depts = {(d, c): a for d, c, a in spend.totals(con, access.CLI, period, "department", metric)}
    dept_of = {"web": "engineering", "search": "engineering", "data-platform": "data", UNALLOCATED: UNALLOCATED}
    summed: dict[tuple, Decimal] = {}
    for (team, cur), amount in by_team.items():
        summed[(dept_of[team], cur)] = summed.get((dept_of[team], cur), D(0)) + amount
    assert depts == summed
    for cur in {c for c, _ in want}:
        assert sum(a for (_, c), a in by_team.items() if c == cur) == sum(a for (c, _), a in want.items() if c == cur)
    exact = con.execute(f"select team, BillingCurrency, sum({metric}_exact), count(distinct (ProviderName, "
                        f"BillingAccountId, InvoiceId)) from cells where x_BillingPeriod = ? group by all",
                        [period]).fetchall()
    for team, cur, amount, groups in exact:
        assert abs(by_team[(team, cur)] - amount) < CENT * groups


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=charges, names=rule_sets)
def test_every_artifact_shows_the_same_cents(rows, names):
    store, con = store_with(rows, names)
    for period in sorted({day[:7] for *_, day, _, _ in rows}):
        for metric in ("billed", "effective"):
            check_period(store, con, rows, period, metric)
