"""A store with one configured folder source, refreshed through the real refresh path, for the health tests."""

import shutil
from datetime import UTC, datetime, timedelta

import yaml

from lib.alerts import health
from lib.core import access
from lib.sources import refresh
from lib.store.lake import engine, new_duck
from tests.bill import charge, write_bill

LAST_DAY = datetime.now(UTC).date() - timedelta(days=1)  # the bill's charges are for yesterday
MONTH = f"{LAST_DAY:%Y-%m}"


def configure(store, tmp_path, name="exports", **params) -> str:
    """settings.yaml with one folder source; returns the folder (created, holding a bill for MONTH)."""
    folder = tmp_path / name
    (folder / MONTH).mkdir(parents=True)
    write_bill(folder / MONTH / "bill.csv", [charge("web", "Amazon EC2", 100, day=str(LAST_DAY)),
                                             charge("search", "Amazon EC2", 50, day=str(LAST_DAY))])
    source = {"name": name, "provider": "aws", "kind": "folder", "params": {"path": str(folder), **params}}
    (store.data_dir / "settings.yaml").write_text(yaml.safe_dump({"sources": [source]}))
    return str(folder)


def refresh_ok(store):
    [result] = refresh.refresh(store, access.CLI, months=[MONTH])
    assert result.ok, [str(p) for p in result.problems]
    return result


def refresh_failing(store, folder: str):
    """The export folder disappears: the refresh fails and keeps the previous data."""
    shutil.rmtree(folder, ignore_errors=True)
    [result] = refresh.refresh(store, access.CLI, months=[MONTH])
    assert not result.ok
    return result


def checks(store, now: datetime | None = None) -> dict:
    """name -> Check of a health run, as an admin's page or the CLI would run it."""
    result = health.run(store, engine(store, new_duck()), access.CLI, now or datetime.now(UTC))
    return {c.name: c for c in result.checks}
