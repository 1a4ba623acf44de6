"""Impact of a rules change before it is saved: per-team totals before and after, and charges that move.

The draft is allocated for one month exactly as a saved version would be (same engine, same
inputs), into a temporary file; nothing is stored.

>>> impact(store, con, user, "2026-10", draft_yaml)       # doctest: +SKIP
Impact(period='2026-10', rows=[...], charges_moved=1204, errors=[])
"""

import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from lib import access, allocation, allocation_sql, crypto, focus
from lib.allocation_sql import _tag_col, _tag_extract, plan
from lib.org import parse_org
from lib.rules import Rule, parse_rules
from lib.store import parquet_source


@dataclass(frozen=True)
class Impact:
    period: str
    rows: list = field(default_factory=list)  # (team, currency, before, after, change)
    charges_moved: int = 0
    errors: list = field(default_factory=list)


def _destinations(rules: tuple[Rule, ...]) -> tuple[str, list]:
    """SQL giving each key combination where a rule set sends it: a team, a tag value, or a split."""
    p = plan(rules)
    whens = []
    for i, r in enumerate(rules):
        if r.to:
            whens.append(f"when {i} then 'team:{r.to}'")
        elif r.to_tag:
            whens.append(f"when {i} then 'tag:' || coalesce(lower(trim({_tag_col(r.to_tag)})), '')")
        else:
            whens.append(f"when {i} then 'split:' || {i}")
    if not whens:
        return "'unallocated'", []
    return f"case ({p.case_sql}) {' '.join(whens)} else 'unallocated' end", list(p.params)


def charges_moved(con, source_sql: str, period: str, before, after) -> int:
    """Charges whose destination differs between two rule sets (matched on distinct keys only)."""
    pb, pa = plan(before), plan(after)
    mentioned = {c.field for r in (*before, *after) for c in r.match if not c.field.startswith("tags.")}
    cols = sorted({focus.SNAKE_TO_COLUMN[f] for f in mentioned})
    tags = sorted(set(pb.tag_keys) | set(pa.tag_keys))
    keys = ", ".join(cols + (["Tags"] if tags else [])) or "1 as _one"
    extracts = "".join(f", {_tag_extract(k)}" for k in tags)
    dest_b, params_b = _destinations(before)
    dest_a, params_a = _destinations(after)
    row = con.execute(
        f"select coalesce(sum(n), 0) from (select *, {dest_b} as b, {dest_a} as a from ("
        f"select *{extracts} from (select {keys}, count(*) as n from {source_sql} "
        f"where x_BillingPeriod = ? group by all))) where a <> b",
        params_b + params_a + [period]).fetchone()
    return int(row[0])


def _team_totals(con, path: str, metric: str) -> dict:
    rows = con.execute(f"select team, BillingCurrency, sum({metric}) from read_parquet(?, "
                       f"{crypto.parquet_read_options()}) "
                       f"group by 1, 2", [path]).fetchall()
    return {(t, c): a for t, c, a in rows}


def impact(store, con, user: access.User, period: str, draft_yaml: str, metric: str = "effective") -> Impact:
    """Per-team totals of a period under the saved rules and under a draft, without saving anything."""
    access.require(user, "edit_config")
    inp = allocation.inputs(store, period)
    org, _ = parse_org(inp.org_yaml, "stored org")
    draft, errors = parse_rules(draft_yaml, org, "draft")
    if errors:
        return Impact(period, errors=errors)
    saved, _ = parse_rules(inp.rules_yaml, org, "saved")
    source = parquet_source(list(inp.files))
    before_path = allocation.ensure_period(store, con, period)
    with tempfile.TemporaryDirectory() as tmp:
        after_path = str(Path(tmp) / "draft.parquet")
        allocation_sql.allocate(con, source, period, draft, org, inp.rules_version, after_path, inp.basis)
        before, after = _team_totals(con, before_path, metric), _team_totals(con, after_path, metric)
    zero = Decimal(0)
    rows = [(t, c, before.get((t, c), zero), after.get((t, c), zero), after.get((t, c), zero) - before.get((t, c), zero))
            for t, c in sorted(set(before) | set(after), key=lambda k: (k[1], k[0]))]
    return Impact(period, rows, charges_moved(con, source, period, saved, draft))
