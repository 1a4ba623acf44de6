"""What the data offers a rule builder for one period: the fields and tag keys that have values,
their most common values, and what each rule of a draft catches.

Every query is a small aggregate over the period's charges (distinct keys, top values), cached
per period data version; nothing returns charge rows.

>>> fields_present(store, con, "2026-10")[:3]                  # doctest: +SKIP
['billing_account_id', 'charge_category', 'provider_name']
>>> caught(store, con, user, "2026-10", rules)[0]              # doctest: +SKIP
{'USD': (1204, Decimal('8120.55'))}
"""

from decimal import Decimal

from lib.allocation import cache
from lib.allocation.engine import plan
from lib.config.rules import Rule, canonical, tag_keys
from lib.core import access, focus
from lib.core.memo import Memo
from lib.core.sql import identifier
from lib.store import tags as store_tags
from lib.store.tags import alias

TOP_VALUES = 200
_CACHE = Memo(256)
# Text columns a rule can match on (FOCUS dimensions; amounts, dates and JSON are not matched).
TEXT_TYPES = ("varchar",)


def _key(store, period: str, *parts) -> tuple:
    return (str(store.data_dir), cache.inputs(store, period).files, period, *parts)


def _source(store, period: str, keys: tuple[str, ...] = ()) -> str:
    return store_tags.source(store, list(cache.inputs(store, period).files), keys)


def fields_present(store, con, period: str) -> list[str]:
    """The snake_case FOCUS fields with at least one value in the period, in FOCUS order."""
    def run():
        text = [n for n, kind, _ in focus.COLUMNS if not n.startswith("x_") and kind in TEXT_TYPES and n != "Tags"]
        counts = con.execute(f"select {', '.join(f'count({identifier(n)})' for n in text)} "
                             f"from {_source(store, period)} where x_BillingPeriod = ?", [period]).fetchone()
        return [focus.snake(n) for n, count in zip(text, counts, strict=True) if count]
    return _CACHE.get(_key(store, period, "fields"), run)


def tag_keys_present(store, con, period: str) -> list[str]:
    """The (lower-cased) tag keys of the period's charges, most used first."""
    def run():
        rows = con.execute(
            f"select lower(k), sum(n) from (select unnest(json_keys(Tags)) as k, n from ("
            f"select Tags, count(*) as n from {_source(store, period)} where x_BillingPeriod = ? "
            f"and json_valid(Tags) and json_type(Tags) = 'OBJECT' group by Tags)) group by 1 order by 2 desc, 1",
            [period]).fetchall()
        return [k for k, _ in rows]
    return _CACHE.get(_key(store, period, "tag keys"), run)


def values(store, con, period: str, field: str, limit: int = TOP_VALUES) -> list[str]:
    """The most common values of a field (snake_case FOCUS field or tags.<key>) in the period."""
    if field.startswith("tags."):
        key = field[5:].lower()
        column, source = alias(key), _source(store, period, (key,))
    elif field in focus.SNAKE_TO_COLUMN:
        column, source = identifier(focus.SNAKE_TO_COLUMN[field]), _source(store, period)
    else:
        return []
    def run():
        rows = con.execute(f"select cast({column} as varchar) as v, count(*) from {source} "
                           f"where x_BillingPeriod = ? and v is not null group by 1 order by 2 desc, 1 limit ?",
                           [period, limit]).fetchall()
        return [v for v, _ in rows]
    return _CACHE.get(_key(store, period, "values", field, limit), run)


def caught(store, con, user: access.User, period: str, rules: tuple[Rule, ...],
           metric: str = "effective") -> dict[int, dict[str, tuple[int, Decimal]]]:
    """Per rule index, the charges (count, cost per currency) it takes first in the period.

    Rules are matched on the distinct combinations of the fields they read (lib.allocation.engine.plan),
    so a rule's figure is what it would allocate: charges an earlier rule takes are not counted again.
    """
    access.require(user, "edit_config")
    cost = focus.cost_column(metric)
    def run():
        p = plan(rules)
        fields = {focus.SNAKE_TO_COLUMN[c.field] for r in rules for c in r.match if not c.field.startswith("tags.")}
        keys = [*sorted(fields), *(alias(k) for k in p.tag_keys), "BillingCurrency"]
        rows = con.execute(
            f"select idx, BillingCurrency, sum(n), sum(amount) from (select {p.case_sql} as idx, * from ("
            f"select {', '.join(keys)}, count(*) as n, sum({cost}) as amount from "
            f"{_source(store, period, tag_keys(rules))} where x_BillingPeriod = ? group by all)) "
            f"where idx is not null group by all", [*p.params, period]).fetchall()
        out: dict[int, dict[str, tuple[int, Decimal]]] = {}
        for idx, currency, n, amount in rows:
            out.setdefault(int(idx), {})[currency] = (int(n), Decimal(amount))
        return out
    return _CACHE.get(_key(store, period, "caught", canonical(rules), metric), run)
