"""Promoted tags: imports write the tag keys the rules use as lake columns, allocation reads them,
files written before a rule used a key still allocate the same, and `tags promote` rewrites them."""

import subprocess
import sys
from decimal import Decimal as D

import pytest

from lib.allocation.cache import allocated_view
from lib.config import versions
from lib.core import access
from lib.reports import spend
from lib.sources import imports
from lib.store import crypto
from lib.store.lake import engine, new_duck
from lib.store.state import state
from tests.bill import charge
from tests.conftest import RULES, load_bill

KEY = "t" * 8 + "-promoted-tags-key-0123456789abcdef"
ENV_RULES = RULES.replace("rules:\n", """rules:
  - name: Sandbox environment
    match: {tags.env: sandbox}
    to: search
""")


@pytest.fixture(params=["plain", "encrypted"])
def lake(request, monkeypatch, tmp_path):
    monkeypatch.delenv("COSTBOOK_DATA_KEY", raising=False)
    monkeypatch.setenv("COSTBOOK_SECRETS_FILE", str(tmp_path / "absent.toml"))
    if request.param == "encrypted":
        monkeypatch.setenv("COSTBOOK_DATA_KEY", KEY)
    return request.param


def first_bill():
    return [charge("web", "Amazon EC2", "100.10", tags={"Env": "sandbox"}),  # env decides once a rule reads it
            charge(None, "Amazon S3", "7.25", tags={"TEAM": "search"}),  # keys match case-insensitively
            charge(None, "Amazon RDS", "3.00"),
            charge("nobody", "Amazon EC2", "1.01")]


def second_bill():
    return [charge("web", "Amazon EC2", "50.00", BillingAccountId="payer-2"),
            charge("data-platform", "Amazon EC2", "9.99", tags={"env": "sandbox"}, BillingAccountId="payer-2")]


def team_totals(store) -> dict:
    con = engine(store, new_duck())
    allocated_view(store, con)
    return {(t, c): a for t, c, a in spend.totals(con, access.CLI, "2026-10", "team", "effective")}


def promoted(store) -> list[tuple[str, str]]:
    with state(store) as db:
        return [tuple(r) for r in db.execute("select billing_account_id, promoted_tags from lake_files "
                                             "where active = 1 order by 1").fetchall()]


def columns_of(store, path: str) -> list[str]:
    con = new_duck()
    rel = con.execute(f"select * from read_parquet('{store.lake / path}', {crypto.parquet_read_options()}) limit 0")
    return [d[0] for d in rel.description]


def test_an_import_writes_the_tag_keys_the_rules_use(lake, configured, tmp_path):
    load_bill(configured, tmp_path, first_bill())
    assert promoted(configured) == [("payer-1", "team")]
    with state(configured) as db:
        path = db.execute("select path from lake_files where active = 1").fetchone()[0]
    assert "x_Tag_team" in columns_of(configured, path)
    con = new_duck()
    values = sorted(r[0] or "" for r in con.execute(
        f"select x_Tag_team from read_parquet('{configured.lake / path}', {crypto.parquet_read_options()})").fetchall())
    assert values == ["", "nobody", "search", "web"]
    assert team_totals(configured) == {("web", "USD"): D("100.10"), ("search", "USD"): D("7.25"),
                                       ("Unallocated", "USD"): D("4.01")}


def test_files_without_a_new_key_allocate_the_same_before_and_after_promotion(lake, configured, tmp_path):
    load_bill(configured, tmp_path, first_bill())  # carries 'team' only
    assert versions.save_rules(configured, ENV_RULES, access.CLI, "env rule")[1] == []
    load_bill(configured, tmp_path, second_bill(), "second.csv")  # carries 'env' and 'team'
    assert promoted(configured) == [("payer-1", "team"), ("payer-2", "env,team")]
    mixed = team_totals(configured)  # one file reads env from the JSON, the other from its column
    assert mixed == {("search", "USD"): D("117.34"), ("web", "USD"): D("50.00"), ("Unallocated", "USD"): D("4.01")}
    assert engine(configured, new_duck()).execute("select count(*) from charges").fetchone()[0] == 6
    assert imports.unpromoted(configured) == [("focus", "payer-1", "2026-10", "env")]

    results = imports.promote_tags(configured, access.CLI)
    assert [r.ok for r in results] == [True] and results[0].rows == 4
    assert promoted(configured) == [("payer-1", "env,team"), ("payer-2", "env,team")]
    assert imports.unpromoted(configured) == []
    assert team_totals(configured) == mixed
    assert imports.promote_tags(configured, access.CLI) == []  # nothing left to do


def test_promotion_needs_the_right_to_manage_sources(configured, tmp_path):
    with pytest.raises(access.PermissionDenied):
        imports.promote_tags(configured, access.User("vic", "viewer", frozenset()))


def test_cli_lists_and_promotes(configured, tmp_path):
    load_bill(configured, tmp_path, first_bill())
    assert versions.save_rules(configured, ENV_RULES, access.CLI, "setup")[1] == []

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "lib", "--data-dir", str(configured.data_dir), "tags", *args],
                              capture_output=True, text=True, check=True)

    listed = cli()
    assert "tag keys the rules use: env, team" in listed.stderr
    assert listed.stdout.splitlines() == ["source,billing_account,period,missing_keys", "focus,payer-1,2026-10,env"]
    assert "rewrote 4 rows for 2026-10" in cli("promote").stderr
    assert cli().stdout.splitlines() == ["source,billing_account,period,missing_keys"]


def test_data_sources_page_offers_the_rewrite(configured, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.sources.test_sources_page import SCRIPT

    load_bill(configured, tmp_path, first_bill())
    monkeypatch.setenv("COSTBOOK_DATA_DIR", str(configured.data_dir))
    at = AppTest.from_string(SCRIPT, default_timeout=60).run()
    assert not at.exception and not at.info  # every file carries the keys the rules use
    assert versions.save_rules(configured, ENV_RULES, access.CLI, "setup")[1] == []
    at.run()
    assert "1 lake partition(s)" in at.info[0].value and "(env)" in at.info[0].value
    next(b for b in at.button if b.label == "Rewrite them with the tag columns").click().run()
    assert not at.exception and [s.value for s in at.success] == ["Rewrote 4 rows for 2026-10"]
    assert imports.unpromoted(configured) == []


@pytest.mark.parametrize("tags, value", [
    ('{"team": "web"}', "web"),
    ('{"Team": "api"}', "api"),  # any case when the rules' (lower-case) key is absent
    ('{"TEAM": "x", "team": "y"}', "y"),  # the key as written wins over another case
    ('{"teams": "no", "a": {"team": "nested"}}', None),  # neither a longer key nor a nested one
    ('[{"team": "web"}]', None), ("not json", None), (None, None),
])
def test_a_tag_is_read_from_the_json(tags, value):
    from lib.store.tags import extract

    assert new_duck().execute(f"select {extract('team')} from (select ?::varchar as Tags)", [tags]).fetchone() == (value,)
