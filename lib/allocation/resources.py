"""Allocations the `allocated` view does not hold: a closed period restated on today's files, or a finer grain.

Each is computed once per (files, rules, org) and cached as Parquet under lake/derived/<kind>/.
"""

import os

from lib.allocation import cache, engine
from lib.config.org import parse_org
from lib.config.rules import parse_rules
from lib.store.lake import parquet_source
from lib.store.state import Store


def allocated_file(store: Store, con, inp: cache.PeriodInputs, kind: str,
                   dims: tuple[str, ...] = engine.DIMS, grain: str = "day") -> str:
    """SQL reading the allocation of `inp` (cached as lake/derived/<kind>/period=P/<key>.parquet).

    For what the `allocated` view does not hold: a closed period on today's files
    ('restated'), or a finer grain such as resources per month (`resources`, see resources_file).
    """
    out = store.lake / "derived" / kind / f"period={inp.period}" / f"{cache.cache_key(inp)}.parquet"
    if not out.exists():
        org, errors = parse_org(inp.org_yaml, "stored org")
        rules, rule_errors = parse_rules(inp.rules_yaml, org, f"rules version {inp.rules_version}")
        if errors or rule_errors:
            raise ValueError("; ".join(errors + rule_errors))
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        engine.allocate(con, cache.lake_for(store, inp, rules), inp.period, rules, org, inp.rules_version,
                                str(tmp), inp.basis, dims, grain)
        tmp.rename(out)
    return parquet_source([str(out)])


def resources_file(store: Store, con, period: str) -> str:
    """SQL reading the period's allocation per resource and SKU for the month (drill-down, statements)."""
    return allocated_file(store, con, cache.inputs(store, period), "resources-direct", engine.RESOURCE_DIMS,
                          "month")
