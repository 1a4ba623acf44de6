"""Impact of a rules change before it is saved: per-team totals before and after, and what moves.

The draft is allocated for one month exactly as a saved version would be (same engine, same
inputs), into a temporary file, and rounded into cells the same way (lib.allocation.cells), so
"before" is what every page shows today and "after" what they would show; nothing is stored.
It is compared with the rules in effect for
that month by meaning (lib.config.rules.canonical): reordering the fields of a match, the values
of a field or the members of a split moves nothing.

What moves is worked out on the distinct keys the two rule sets read (never per charge): for
each key, the teams and shares it goes to before and after; the part of its cost that changes
team is what moves (a 60/40 split turned 50/50 moves a tenth of each charge).

>>> impact(store, con, user, "2026-10", draft_yaml)       # doctest: +SKIP
Impact(period='2026-10', rows=[...], charges_moved=1204, amount_moved={'USD': Decimal('812.50')}, ...)
"""

import tempfile
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from lib.allocation import cache, cells
from lib.allocation.engine import plan
from lib.allocation.tables import arrow_table, temp_table
from lib.config.org import UNALLOCATED, Org, parse_org
from lib.config.rules import Rule, canonical, column_of, parse_rules, tag_keys
from lib.core import access, focus
from lib.core.memo import Memo
from lib.core.sql import literal
from lib.store import crypto
from lib.store import tags as store_tags
from lib.store.tags import alias

SAMPLE = 12


@dataclass(frozen=True)
class Moved:
    """Charges with the same values of the fields the rules read, and where they go before and after."""
    key: str  # e.g. "service_category=Networking · tags.team=–"
    example: str  # ServiceName and ResourceId of one of them
    currency: str
    charges: int
    amount: Decimal  # the part of their cost that changes team
    rule_before: str
    rule_after: str
    to_before: tuple[tuple[str, Decimal], ...]  # (team, share), Unallocated included
    to_after: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True)
class Impact:
    period: str
    rows: list = field(default_factory=list)  # (team, currency, before, after, change)
    charges_moved: int = 0
    amount_moved: dict = field(default_factory=dict)  # currency -> Decimal
    sample: list = field(default_factory=list)  # Moved, largest amount first
    errors: list = field(default_factory=list)
    unchanged: bool = False  # the draft means exactly what the rules in effect mean
    rules_version: int = 0  # the version the draft is compared with


def _team_sql(rules: tuple[Rule, ...], idx: str, names: str) -> str:
    """The one team a key goes to under a rule that does not split (else Unallocated)."""
    whens = []
    for i, r in enumerate(rules):
        if r.to:
            whens.append(f"when {i} then {literal(r.to)}")
        elif r.to_tag:
            whens.append(f"when {i} then (select n.team from {names} n where n.name = lower(trim(k.{alias(r.to_tag)})))")
        elif not isinstance(r.split, str | tuple):  # a split kind this preview cannot expand: compare it whole
            whens.append(f"when {i} then {literal('split:' + repr(r.split))}")
    return f"coalesce(case {idx} {' '.join(whens)} end, '{UNALLOCATED}')" if whens else f"'{UNALLOCATED}'"


def _share_rows(con, path: str, rules: tuple[Rule, ...], side: str) -> list[tuple]:
    """(side, rule index, currency, team, share) of the split rules, as the allocation computed them."""
    index = {r.name: i for i, r in enumerate(rules) if isinstance(r.split, str | tuple)}
    if not index:
        return []
    rows = con.execute(f"select distinct rule, BillingCurrency, team, share from read_parquet(?, "
                       f"{crypto.parquet_read_options()}) where reason is null and rule in ("
                       f"{', '.join('?' * len(index))})", [path, *index]).fetchall()
    return [(side, index[rule], cur, team, share) for rule, cur, team, share in rows]


def moves(con, source_sql: str, period: str, before, after, org: Org, shares: list[tuple], metric: str = "effective",
          sample: int = SAMPLE) -> tuple[int, dict, list[Moved]]:
    """(charges moved, amount moved per currency, the largest moves) between two rule sets.

    `source_sql` has the "tag:<key>" columns both rule sets read (lib.store.tags.source); `shares` are
    the split shares of both allocations (_share_rows), so proportional splits compare as computed.
    """
    p_before, p_after = plan(before), plan(after)
    cols = sorted({column_of(c.field) for r in (*before, *after) for c in r.match if column_of(c.field)})
    tags = sorted(set(p_before.tag_keys) | set(p_after.tag_keys))
    keys = [*cols, *(alias(t) for t in tags)]
    x = "_impact_" + uuid.uuid4().hex[:10]
    text = pa.string()
    temp_table(con, f"{x}_n", arrow_table({"name": text, "team": text}, list(org.names().items())))
    temp_table(con, f"{x}_s", arrow_table({"side": text, "idx": pa.int32(), "currency": text, "team": text,
                                           "share": pa.decimal128(18, 12)}, shares))
    cost = focus.cost_column(metric)
    try:
        con.execute(
            f"create temp table {x}_k as select row_number() over () as kid, *, {p_before.case_sql} as b_idx, "
            f"{p_after.case_sql} as a_idx from (select {', '.join(keys + ['BillingCurrency'])}, count(*) as n, "
            f"sum({cost}) as amount, any_value(ServiceName) as service, any_value(ResourceId) as resource "
            f"from {source_sql} where x_BillingPeriod = ? group by all)", [*p_before.params, *p_after.params, period])
        return _moved(con, x, before, after, keys, sample)
    finally:
        for t in ("k", "n", "s"):
            con.execute(f"drop table if exists {x}_{t}")


def _side(x: str, side: str, rules, idx: str) -> str:
    return (f"select k.kid, coalesce(s.team, {_team_sql(rules, 'k.' + idx, x + '_n')}) as team, "
            f"coalesce(s.share, 1) as share from {x}_k k left join {x}_s s on s.side = '{side}' "
            f"and s.idx = k.{idx} and s.currency = k.BillingCurrency")


def _moved(con, x: str, before, after, keys: list[str], sample: int) -> tuple[int, dict, list[Moved]]:
    con.execute(f"""
        create temp table {x}_m as
        with b as ({_side(x, 'b', before, 'b_idx')}), a as ({_side(x, 'a', after, 'a_idx')}),
        d as (select kid, team, sum(s) as delta from (select kid, team, -share as s from b
              union all select kid, team, share from a) group by all)
        select kid, sum(greatest(delta, 0)) as part from d group by kid having sum(greatest(delta, 0)) > 0""")
    try:
        totals = con.execute(f"select k.BillingCurrency, sum(k.n), sum(k.amount * m.part) from {x}_k k "
                             f"join {x}_m m using (kid) group by 1").fetchall()
        fields = "[" + ", ".join(f"cast(k.{c} as varchar)" for c in keys) + "]::varchar[]"
        top = con.execute(
            f"""with b as ({_side(x, 'b', before, 'b_idx')}), a as ({_side(x, 'a', after, 'a_idx')})
            select {fields}, coalesce(k.service, '') || coalesce(' · ' || k.resource, ''), k.BillingCurrency, k.n,
                   k.amount * m.part, k.b_idx, k.a_idx,
                   (select list((team, share) order by team) from b where b.kid = k.kid),
                   (select list((team, share) order by team) from a where a.kid = k.kid)
            from {x}_k k join {x}_m m using (kid) order by abs(k.amount * m.part) desc, k.kid limit ?""",
            [sample]).fetchall()
    finally:
        con.execute(f"drop table if exists {x}_m")
    names = [focus.snake(k) if k in focus.NAMES else "tags." + k.strip('"')[4:] for k in keys]
    sample_rows = [Moved(_label(names, key, _fields(before, bi) | _fields(after, ai)), example, cur, int(n), Decimal(amount), _rule(before, bi), _rule(after, ai),
                         tuple((t, Decimal(s)) for t, s in (tb or [])), tuple((t, Decimal(s)) for t, s in (ta or [])))
                   for key, example, cur, n, amount, bi, ai, tb, ta in top]
    return sum(int(n) for _, n, _ in totals), {c: Decimal(a) for c, _, a in totals}, sample_rows


def _fields(rules: tuple[Rule, ...], idx: int | None) -> set[str]:
    return {c.field for c in rules[idx].match} if idx is not None else set()


def _label(names: list[str], values: list, relevant: set[str]) -> str:
    """'service_name: Amazon VPC · no tags.team': the values of the fields the rules that took the charges
    read (every field when no rule took them), empty ones as 'no'."""
    return " · ".join(f"{n}: {v}" if v is not None else f"no {n}" for n, v in zip(names, values, strict=True)
                      if n in relevant or not relevant)


def _rule(rules: tuple[Rule, ...], idx: int | None) -> str:
    return rules[idx].name if idx is not None else "no rule"


def _team_totals(con, source: str, metric: str) -> dict:
    """(team, currency) -> cents, from a FROM item with the columns of the cells."""
    rows = con.execute(f"select team, BillingCurrency, sum({focus.metric(metric)}) from {source} group by 1, 2").fetchall()
    return {(t, c): a for t, c, a in rows}


def _parquet(path: str) -> str:
    return f"read_parquet({literal(path)}, {crypto.parquet_read_options()})"


def impact(store, con, user: access.User, period: str, draft_yaml: str, metric: str = "effective") -> Impact:
    """Per-team totals of a period under the rules in effect and under a draft, without saving anything."""
    access.require(user, "edit_config")
    focus.metric(metric)
    inp = cache.inputs(store, period)
    key = (str(store.data_dir), cache.cache_key(inp), draft_yaml, metric)
    # The page reruns on every click; the same draft on the same data gives the same preview.
    return _PREVIEWS.get(key, lambda: _impact(store, con, inp, period, draft_yaml, metric))


_PREVIEWS = Memo(16)


def _rows(before: dict, after: dict) -> list[tuple]:
    zero = Decimal(0)
    return [(t, c, before.get((t, c), zero), after.get((t, c), zero), after.get((t, c), zero) - before.get((t, c), zero))
            for t, c in sorted(set(before) | set(after), key=lambda k: (k[1], k[0]))]


def _impact(store, con, inp: cache.PeriodInputs, period: str, draft_yaml: str, metric: str) -> Impact:
    org, _ = parse_org(inp.org_yaml, "stored org")
    draft, errors = parse_rules(draft_yaml, org, "draft")
    if errors:
        return Impact(period, errors=errors)
    saved, _ = parse_rules(inp.rules_yaml, org, "saved")
    before_path, problems = cache.ensure_period(store, con, period)
    if problems:
        return Impact(period, errors=problems)
    before = _team_totals(con, _parquet(cache.ensure_cells(store, period, before_path, con)), metric)
    if canonical(saved or ()) == canonical(draft):
        return Impact(period, _rows(before, before), unchanged=True, rules_version=inp.rules_version)
    source = store_tags.source(store, list(inp.files), tuple(sorted({*tag_keys(saved or ()), *tag_keys(draft)})))
    with tempfile.TemporaryDirectory() as tmp:
        after_path = str(Path(tmp) / "draft.parquet")
        cache.allocate_inputs(store, con, inp, draft, org, after_path, source=source)
        after = _team_totals(con, f"({cells.lattice_sql(_parquet(after_path))})", metric)
        shares = _share_rows(con, before_path, saved or (), "b") + _share_rows(con, after_path, draft, "a")
    count, amounts, sample = moves(con, source, period, saved or (), draft, org, shares, metric)
    return Impact(period, _rows(before, after), count, amounts, sample, rules_version=inp.rules_version)
