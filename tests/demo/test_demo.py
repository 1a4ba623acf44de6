"""The demo company: deterministic, valid, realistic enough to exercise every screen."""

import csv
import tempfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from lib.cli.main import main
from lib.config import org, rules, versions
from lib.config.usage_split import UsageSplit
from lib.core import access
from lib.demo import build, charges, config
from lib.people import startup, users
from lib.store.lake import engine, new_duck
from lib.store.state import open_store

TODAY = date(2026, 11, 27)
ROWS = 30_000


def totals(store) -> dict:
    con = engine(store, new_duck())
    rows = con.execute("select BillingCurrency, sum(BilledCost), sum(EffectiveCost), count(*) from charges "
                       "group by 1 order by 1").fetchall()
    return {cur: (billed, eff, n) for cur, billed, eff, n in rows}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("demo") / "data")
    steps = []
    result = build.build(store, seed=7, rows=ROWS, today=TODAY, progress=lambda f, m: steps.append((f, m)))
    return store, result, steps


def test_build_imports_13_months_through_the_importer(built):
    store, result, steps = built
    assert result.ok, (result.ingest.problems, result.problems)
    assert result.ingest.periods[0] == "2025-11" and result.ingest.periods[-1] == "2026-11"
    assert len(result.ingest.periods) == 13
    assert ROWS * 0.8 < result.ingest.rows < ROWS * 1.5
    assert [f for f, _ in steps] == sorted(f for f, _ in steps) and steps[-1][0] == 1.0
    con = engine(store, new_duck())
    assert con.execute("select max(ChargePeriodStart) from charges").fetchone()[0].date() == TODAY
    providers = {r[0] for r in con.execute("select distinct ProviderName from charges").fetchall()}
    assert providers == {"AWS", "Microsoft", "Google Cloud"}
    assert startup.demo_mode(store)
    assert {"admin", "finance", "head-engineering", "viewer"} <= {a.username for a in users.list_users(store, access.CLI)}


def usage_totals(tmp_path, seed: int) -> tuple:
    con = new_duck()
    charges.load_catalog(con, seed, build.window(TODAY), TODAY, ROWS)
    files = charges.write_usage(con, tempfile.mkdtemp(prefix=f"usage-{seed}-", dir=tmp_path))
    return con.execute("select count(*), sum(BilledCost), sum(EffectiveCost), count(distinct Tags) "
                       "from read_parquet(?, hive_partitioning = false)", [files]).fetchone()


def test_same_seed_same_bill_other_seed_other_bill(built, tmp_path):
    store, result, _ = built
    first = usage_totals(tmp_path, 7)
    assert usage_totals(tmp_path, 7) == first
    assert usage_totals(tmp_path, 8)[1] != first[1]
    assert first[0] < result.ingest.rows  # the periodic charges come on top


def test_building_twice_replaces_the_charges(tmp_path):
    store = open_store(tmp_path / "data")
    build.build(store, seed=3, rows=1000, today=TODAY)
    first = totals(store)
    build.build(store, seed=3, rows=1000, today=TODAY)
    assert totals(store) == first


def test_org_and_rules_are_valid_and_saved(built):
    store, _, _ = built
    parsed, errors = org.parse_org(config.org_yaml())
    assert errors == []
    assert len(parsed.departments) == 5 and len(parsed.teams) == 20
    assert all(t.owners and t.cost_center for t in parsed.teams)
    assert versions.current_org(store) == parsed
    ruleset, errors = rules.parse_rules(config.RULES_YAML, parsed)
    assert errors == []
    kinds = {r.to_tag or (r.split if isinstance(r.split, str) else "usage" if isinstance(r.split, UsageSplit)
                          else "fixed" if r.split else "to") for r in ruleset}
    assert kinds == {"team", "usage", "proportional", "fixed", "to"}
    assert {n for t in parsed.teams for n in t.namespaces} >= {"storefront", "checkout"}
    assert versions.versions(store)[0].yaml == config.RULES_YAML
    assert (store.data_dir / "demo" / "rules.yaml").read_text() == config.RULES_YAML


def test_amortization_makes_effective_differ_from_billed_in_some_month(built):
    store, _, _ = built
    con = engine(store, new_duck())
    months = con.execute("select x_BillingPeriod, sum(BilledCost) - sum(EffectiveCost) from charges "
                         "where BillingCurrency = 'USD' group by 1 order by 1").fetchall()
    assert any(diff > 1000 for _, diff in months) and any(diff < -1000 for _, diff in months)
    kinds = {r for r in con.execute("select distinct ChargeCategory || '/' || ChargeFrequency from charges").fetchall()}
    assert {("Purchase/One-Time",), ("Purchase/Recurring",), ("Credit/One-Time",), ("Tax/Recurring",),
            ("Usage/Recurring",), ("Usage/Usage-Based",)} <= kinds
    covered = con.execute("select count(*) from charges where BilledCost = 0 and EffectiveCost > 0 "
                          "and CommitmentDiscountId is not null").fetchone()[0]
    assert covered > 0


def test_untagged_share_and_mixed_tag_casing(built):
    store, _, _ = built
    con = engine(store, new_duck())
    share = con.execute("select sum(EffectiveCost) filter (where Tags is null) / sum(EffectiveCost) from charges "
                        "where ChargeCategory = 'Usage' and ServiceName not like 'AWS Support%'").fetchone()[0]
    assert 0.05 < share < 0.20
    keys = {r[0] for r in con.execute("select distinct unnest(json_keys(Tags)) from charges where Tags is not null")
            .fetchall()}
    assert {"team", "Team", "env", "Env"} <= keys


def test_money_is_exact_decimal_and_one_account_bills_in_eur(built):
    store, result, _ = built
    assert set(result.ingest.totals) == {"EUR", "USD"}
    for amounts in result.ingest.totals.values():
        for value in amounts.values():
            assert isinstance(value, Decimal) and value == value.quantize(Decimal("0.000001"))
    con = engine(store, new_duck())
    eur = con.execute("select distinct BillingAccountId from charges where BillingCurrency = 'EUR'").fetchall()
    assert eur == [("8611902",)]


def test_ground_truth_lists_material_anomalies(built):
    store, _, _ = built
    with (store.data_dir / "demo" / "anomalies_truth.csv").open() as f:
        truth = list(csv.DictReader(f))
    assert 8 <= len(truth) <= 12
    assert {"spike", "level_shift", "ramp", "new_service", "hidden_spike"} == {t["kind"] for t in truth}
    con = engine(store, new_duck())
    for t in truth:
        typical = con.execute(
            "select sum(EffectiveCost) / count(distinct ChargePeriodStart) from charges "
            "where ServiceName = ? and ChargePeriodStart < cast(? as date) - 30", [t["service_name"], t["start_date"]]
        ).fetchone()[0] or 0
        assert Decimal(t["extra_daily_cost"]) > Decimal("0.2") * Decimal(typical), t


def test_budgets_cover_every_team_and_month(built):
    store, _, _ = built
    with (store.data_dir / "demo" / "budgets.csv").open() as f:
        budget_rows = list(csv.DictReader(f))
    assert len(budget_rows) == 20 * 13
    assert {r["currency"] for r in budget_rows} == {"USD", "EUR"}
    assert all(Decimal(r["amount"]) > 0 for r in budget_rows)


def test_clean_build_injects_nothing(built, tmp_path):
    dirty, _, _ = built
    store = open_store(tmp_path / "data")
    build.build(store, seed=7, rows=ROWS, today=TODAY, clean=True)
    assert (store.data_dir / "demo" / "anomalies_truth.csv").read_text().strip() == ",".join(build.TRUTH_HEADER)
    assert totals(store)["USD"][1] < totals(dirty)["USD"][1]


def test_cli_verb_builds_the_demo(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path / "data"), "demo", "--seed", "2", "--rows", "1000"]) == 0
    assert "demo written to" in capsys.readouterr().err
    assert main(["--data-dir", str(tmp_path / "data"), "demo", "--rows", "10"]) == 2


def test_the_demo_shows_one_stale_source_and_a_refresh_history(built):
    from lib.alerts import health
    from lib.demo import pipeline
    from lib.store.state import state

    store, _, _ = built
    result = health.run(store, engine(store, new_duck()), access.CLI, datetime(2026, 11, 27, 12, tzinfo=UTC))
    assert [c.name for c in result.checks if c.status == "fail"] == ["refresh:partner-exports"]
    assert {c.name for c in result.checks if c.status == "warn"} == {"data:partner-exports", "job:alerts-check"}
    assert "folder " in result.checks[[c.name for c in result.checks].index("refresh:partner-exports")].reason
    assert "partner-exports" in (store.data_dir / "settings.yaml").read_text()
    count = "select count(*), count(distinct source) from ingest_runs where actor = 'demo-history'"
    with state(store) as db:
        before = tuple(db.execute(count).fetchone())
    pipeline.add(store, TODAY, ROWS)  # a rebuild adds nothing twice
    with state(store) as db:
        assert tuple(db.execute(count).fetchone()) == before == (93, 2)
