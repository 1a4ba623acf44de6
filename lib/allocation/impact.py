"""Impact of a rules change before it is saved: per-team totals before and after, and charges that move.

The draft is allocated for one month exactly as a saved version would be (same engine, same
inputs), into a temporary file, and rounded into cells the same way (lib.allocation.cells), so
"before" is what every page shows today and "after" what they would show; nothing is stored.

>>> impact(store, con, user, "2026-10", draft_yaml)       # doctest: +SKIP
Impact(period='2026-10', rows=[...], charges_moved=1204, errors=[])
"""

import tempfile
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from lib.allocation import cache, cells
from lib.allocation.engine import plan
from lib.config.org import parse_org
from lib.config.rules import Rule, column_of, parse_rules, tag_keys
from lib.config.usage_split import UsageSplit
from lib.core import access, focus
from lib.core.memo import Memo
from lib.core.sql import literal
from lib.store import crypto
from lib.store import tags as store_tags
from lib.store.tags import alias


@dataclass(frozen=True)
class Impact:
    period: str
    rows: list = field(default_factory=list)  # (team, currency, before, after, change)
    charges_moved: int = 0
    errors: list = field(default_factory=list)


def _destinations(rules: tuple[Rule, ...], idx: str) -> str:
    """SQL naming where a rule set sends a key, from its matched rule index `idx`: team, tag value or split."""
    whens = []
    for i, r in enumerate(rules):
        if r.to:
            whens.append(f"when {i} then {literal('team:' + r.to)}")
        elif r.to_tag:
            whens.append(f"when {i} then 'tag:' || coalesce(lower(trim({alias(r.to_tag)})), '')")
        elif isinstance(r.split, UsageSplit):
            whens.append(f"when {i} then {literal(f'usage:{r.split}')}")
        else:
            shares = r.split if isinstance(r.split, str) else ",".join(f"{t}={p}" for t, p in r.split)
            whens.append(f"when {i} then {literal(f'split:{shares}:' + ','.join(r.among))}")
    return f"case {idx} {' '.join(whens)} else 'unallocated' end" if whens else "'unallocated'"


def charges_moved(con, source_sql: str, period: str, before, after) -> int:
    """Charges whose destination differs between two rule sets (matched on distinct keys only).

    `source_sql` has the "tag:<key>" columns both rule sets read (lib.store.tags.source).

    Each rule set's CASE runs once per distinct key into a temp table; mapping the matched index to
    a destination is then a cheap CASE over a plain column.
    """
    pb, pa = plan(before), plan(after)
    cols = sorted({column_of(c.field) for r in (*before, *after) for c in r.match if column_of(c.field)})
    tags = sorted(set(pb.tag_keys) | set(pa.tag_keys))
    keys = ", ".join(cols + [alias(k) for k in tags]) or "1 as _one"
    table = "_impact_" + uuid.uuid4().hex[:10]
    con.execute(
        f"create temp table {table} as select *, {pb.case_sql} as b_idx, {pa.case_sql} as a_idx from ("
        f"select {keys}, count(*) as n from {source_sql} where x_BillingPeriod = ? group by all)",
        [*pb.params, *pa.params, period])
    try:
        row = con.execute(f"select coalesce(sum(n), 0) from {table} "
                          f"where {_destinations(before, 'b_idx')} <> {_destinations(after, 'a_idx')}").fetchone()
    finally:
        con.execute(f"drop table if exists {table}")
    return int(row[0])


def _team_totals(con, source: str, metric: str) -> dict:
    """(team, currency) -> cents, from a FROM item with the columns of the cells."""
    rows = con.execute(f"select team, BillingCurrency, sum({focus.metric(metric)}) from {source} group by 1, 2").fetchall()
    return {(t, c): a for t, c, a in rows}


def _parquet(path: str) -> str:
    return f"read_parquet({literal(path)}, {crypto.parquet_read_options()})"


def impact(store, con, user: access.User, period: str, draft_yaml: str, metric: str = "effective") -> Impact:
    """Per-team totals of a period under the saved rules and under a draft, without saving anything."""
    access.require(user, "edit_config")
    inp = cache.inputs(store, period)
    key = (str(store.data_dir), cache.cache_key(inp), draft_yaml, metric)
    # The page reruns on every click; the same draft on the same data gives the same preview.
    return _PREVIEWS.get(key, lambda: _impact(store, con, inp, period, draft_yaml, metric))


_PREVIEWS = Memo(16)


def _impact(store, con, inp: cache.PeriodInputs, period: str, draft_yaml: str, metric: str) -> Impact:
    org, _ = parse_org(inp.org_yaml, "stored org")
    draft, errors = parse_rules(draft_yaml, org, "draft")
    if errors:
        return Impact(period, errors=errors)
    saved, _ = parse_rules(inp.rules_yaml, org, "saved")
    source = store_tags.source(store, list(inp.files), tuple(sorted({*tag_keys(saved), *tag_keys(draft)})))
    before_path, problems = cache.ensure_period(store, con, period)
    if problems:
        return Impact(period, errors=problems)
    with tempfile.TemporaryDirectory() as tmp:
        after_path = str(Path(tmp) / "draft.parquet")
        cache.allocate_inputs(store, con, inp, draft, org, after_path, source=source)
        before = _team_totals(con, _parquet(cache.ensure_cells(store, period, before_path, con)), metric)
        after = _team_totals(con, f"({cells.lattice_sql(_parquet(after_path))})", metric)
    zero = Decimal(0)
    rows = [(t, c, before.get((t, c), zero), after.get((t, c), zero), after.get((t, c), zero) - before.get((t, c), zero))
            for t, c in sorted(set(before) | set(after), key=lambda k: (k[1], k[0]))]
    return Impact(period, rows, charges_moved(con, source, period, saved, draft))
