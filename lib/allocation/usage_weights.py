"""The usage weights behind a period's usage splits, per rule, day and key, cached beside the allocation.

The same `{x}_uk` step the allocation runs (lib.allocation.weights), kept as a Parquet file per
period and cache key under lake/derived/usage-weights/, so explain, statements and the
Kubernetes tab show exactly the weights the allocation used.

>>> weights_file(store, con, "2026-11")        # doctest: +SKIP
"read_parquet(['.../derived/usage-weights/period=2026-11/3f1c....parquet'], ...)"
"""

import os
import uuid

import pyarrow as pa

from lib.allocation import cache, weights
from lib.allocation.tables import TEXT, arrow_table, small_tables, temp_table, usage_rules
from lib.core.sql import literal
from lib.store import crypto
from lib.store.lake import parquet_source
from lib.store.state import Store

EMPTY = ("(select cast(null as varchar) as rule, cast(null as varchar) as what, cast(null as varchar) as metric, "
         "cast(null as date) as ChargeDate, cast(null as varchar) as cluster, cast(null as varchar) as usage_key, "
         "cast(null as varchar) as team, cast(null as varchar) as reason, cast(null as double) as weight where false)")


def weights_file(store: Store, con, period: str) -> str:
    """SQL (a FROM item) over the period's usage weights: rule, what, metric, ChargeDate, cluster, usage_key,
    team (None: Unallocated), reason and weight; no rows when no rule splits by usage."""
    inp = cache.inputs(store, period)
    org, rules, problems = cache.parsed(inp)
    splits = [] if problems else usage_rules(rules)  # a period that cannot be allocated has no weights either
    if not splits:
        return EMPTY
    out = store.lake / "derived" / "usage-weights" / f"period={period}" / f"{cache.cache_key(inp)}.parquet"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        _compute(con, inp, rules, org, splits, str(tmp))
        tmp.rename(out)
    return parquet_source([str(out)])


def _compute(con, inp, rules, org, splits, path: str) -> None:
    x = "w_" + uuid.uuid4().hex[:10]
    names = arrow_table({"idx": pa.int32(), "rule": TEXT, "what": TEXT, "metric": TEXT},
                        [(i, rules[i].name, s.describe(), s.metric) for i, s in splits])
    tables = {**small_tables(org, rules, x), f"{x}_what": names}
    try:
        for name, data in tables.items():
            temp_table(con, name, data)
        sql = weights.key_weights_sql(cache.usage_for(inp, rules), rules, x)
        con.execute(f"create temp table {x}_uk as {sql}", [inp.period])
        con.execute(f"copy (select w.rule, w.what, w.metric, k.ChargeDate, k.cluster, k.usage_key, k.team, k.reason, "
                    f"k.weight from {x}_uk k join {x}_what w on w.idx = k.rule_idx) to {literal(path)} "
                    f"(format parquet, compression zstd{crypto.parquet_write_options(con)})")
    finally:
        for name in [*tables, f"{x}_uk"]:
            con.execute(f"drop table if exists {name}")
