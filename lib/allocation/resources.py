"""Allocations the `allocated` view does not hold: a closed period restated on today's files, or a finer grain.

Each is computed once per (files, rules, org) and cached as Parquet under lake/derived/<kind>/;
`cells_file` rounds one into cells (lib.allocation.cells) cached under lake/derived/<kind>-cells/,
and `resource_cents_file` splits the period's cells over its resources.
"""

import os
from pathlib import Path

from lib.allocation import cache, cells, engine
from lib.core import focus
from lib.store.lake import parquet_source
from lib.store.state import Store


def _derived(store: Store, inp: cache.PeriodInputs, kind: str) -> Path:
    return store.lake / "derived" / kind / f"period={inp.period}" / f"{cache.cache_key(inp)}.parquet"


def allocated_file(store: Store, con, inp: cache.PeriodInputs, kind: str,
                   dims: tuple[str, ...] = engine.DIMS, grain: str = "day") -> str:
    """SQL reading the allocation of `inp` (cached as lake/derived/<kind>/period=P/<key>.parquet).

    For what the `allocated` view does not hold: a closed period on today's files
    ('restated'), or a finer grain such as resources per month (`resources`, see resources_file).
    """
    out = _derived(store, inp, kind)
    if not out.exists():
        org, rules, problems = cache.parsed(inp)
        if problems:  # the period is not allocated at all: cache.problems says why, on the page that reads it
            return f"({cache.empty_sql(dims)})"
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.unique_tmp(out)
        cache.allocate_inputs(store, con, inp, rules, org, str(tmp), dims, grain)
        os.replace(tmp, out)
    return parquet_source([str(out)])


def cells_file(store: Store, con, inp: cache.PeriodInputs, kind: str) -> str:
    """SQL reading the cells of allocated_file(store, con, inp, kind), rounded once and cached."""
    out = _derived(store, inp, f"{kind}-cells")
    if cache.parsed(inp)[2]:
        return f"({cells.empty_sql()})"
    if not out.exists():
        source = allocated_file(store, con, inp, kind)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.unique_tmp(out)
        cells.write(con, cells.lattice_sql(source), str(tmp))
        os.replace(tmp, out)
    return parquet_source([str(out)])


def resources_file(store: Store, con, period: str) -> str:
    """SQL reading the period's allocation per resource and SKU for the month (drill-down, statements)."""
    return allocated_file(store, con, cache.inputs(store, period), "resources-direct", engine.RESOURCE_DIMS,
                          "month")


def resource_cents_file(store: Store, con, period: str, metric: str) -> str:
    """SQL reading the period's resources in cents on one cost basis: each of its cells split over its
    resources (drill-down, statements), so a resource list adds up to the lines every other page shows.

    Computed once per inputs and basis: one window over the resource-grain allocation.
    """
    inp = cache.inputs(store, period)
    alloc, problems = cache.ensure_period(store, con, period)
    if problems:
        return f"({cells.empty_sql(cells.RESOURCE)})"
    out = _derived(store, inp, f"resources-{focus.metric(metric)}-cents")
    if not out.exists():
        source = resources_file(store, con, period)
        rounded = parquet_source([cache.ensure_cells(store, period, alloc, con)])
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.unique_tmp(out)
        cells.write(con, cells.resources_sql(source, rounded, metric), str(tmp))
        os.replace(tmp, out)
    return parquet_source([str(out)])
