"""Fixtures: a fresh store in a temporary folder, and a DuckDB engine over it."""

import pytest

from lib.config import versions
from lib.core import access
from lib.sources.files import import_files
from lib.store.lake import engine, new_duck
from lib.store.state import open_store
from tests.bill import write_bill

# An app script for the role x page tests, not a test module: collecting it (for doctests) would run it.
collect_ignore = ["access_app.py"]

ORG = """
name: Example Corp
departments:
  - {id: engineering, name: Engineering, heads: [dana], gl_account: "6100"}
  - {id: data, name: Data, heads: [dora], gl_account: "6200"}
teams:
  - {id: web, name: Web, department: engineering, cost_center: CC-101, aliases: [frontend], owners: [wes]}
  - {id: search, name: Search, department: engineering, cost_center: CC-102, owners: [sam]}
  - {id: data-platform, name: Data Platform, department: data, cost_center: CC-201, owners: [pat]}
"""

RULES = """
rules:
  - name: Team tag
    match: {tags.team: "*"}
    to: tag:team
  - name: Data platform accounts
    match: {sub_account_id: ["111111111111", "222222222222"]}
    to: data-platform
  - name: Shared networking
    match: {service_category: Networking}
    split: {web: 60, search: 40}
  - name: Support
    match: {service_name: "AWS Support*"}
    split: proportional
  - name: Shared cluster
    match: {resource_id: "arn:aws:eks:*:cluster/shared-*"}
    split: even
    among: [web, search]
"""


@pytest.fixture
def store(tmp_path):
    return open_store(tmp_path / "data")


@pytest.fixture
def con(store):
    return engine(store, new_duck())


@pytest.fixture
def configured(store):
    """A store with the small org and the DESIGN.md rules saved."""
    assert versions.save_org(store, ORG, access.CLI, "test org")[1] == []
    assert versions.save_rules(store, RULES, access.CLI, "test rules")[1] == []
    return store


def load_bill(store, tmp_path, rows, name="bill.csv"):
    """Write rows as a FOCUS CSV and import them through the real import path."""
    path = write_bill(tmp_path / name, rows)
    result = import_files(store, new_duck(), [path])
    assert result.ok, [str(p) for p in result.problems]
    return result


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory):
    """A small demo company (about 40k charges), built once per test run; tests must not change it."""
    from lib.demo import build
    from lib.people import startup, users

    store = open_store(tmp_path_factory.mktemp("demo") / "data")
    build.build(store, seed=7, rows=40_000)
    users.create_demo_users(store)
    startup.set_demo_mode(store)
    return store.data_dir
