"""Allocations the `allocated` view does not hold: a closed period restated on today's files, or a finer grain.

Each is computed once per (files, rules, org) and cached as Parquet under lake/derived/<kind>/.
"""

import os

from lib.allocation import cache, engine
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
        org, rules, problems = cache.parsed(inp)
        if problems:  # the period is not allocated at all: cache.problems says why, on the page that reads it
            return f"({cache.empty_sql(dims)})"
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.unique_tmp(out)
        engine.allocate(con, cache.lake_for(store, inp, rules), inp.period, rules, org, inp.rules_version,
                        str(tmp), inp.basis, dims, grain)
        os.replace(tmp, out)
    return parquet_source([str(out)])


def resources_file(store: Store, con, period: str) -> str:
    """SQL reading the period's allocation per resource and SKU for the month (drill-down, statements)."""
    return allocated_file(store, con, cache.inputs(store, period), "resources-direct", engine.RESOURCE_DIMS,
                          "month")
