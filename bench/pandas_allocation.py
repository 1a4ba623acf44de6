"""The allocation rules applied the obvious way in pandas: the baseline the DuckDB engine is compared with.

Loads one month of charges into a DataFrame and, rule by rule, takes a boolean mask of the
still-unassigned rows that match. Floats, like most such scripts: it is a speed baseline.
"""

import fnmatch
import json

import numpy as np
import pandas as pd

from lib.config.org import parse_org
from lib.config.rules import parse_rules
from lib.core import focus


def _tag_values(tags: pd.Series, key: str) -> pd.Series:
    def pick(text):
        if not isinstance(text, str):
            return None
        for k, v in json.loads(text).items():
            if k.lower() == key:
                return None if v is None else str(v)
        return None
    return tags.map(pick)


def _mask(df: pd.DataFrame, cond) -> pd.Series:
    col = df[f"tag:{cond.field[5:]}"] if cond.field.startswith("tags.") else df[focus.SNAKE_TO_COLUMN[cond.field]]
    out = pd.Series(False, index=df.index)
    for p in cond.patterns:
        if p == "*":
            out |= col.notna()
        elif p.startswith("re:"):
            out |= col.fillna("").str.contains(f"(?:{p[3:]})", regex=True) & col.notna()
        elif any(ch in p for ch in "*?["):
            out |= col.fillna("").str.match(fnmatch.translate(p)) & col.notna()
        else:
            out |= col == p
    return out


def allocate_pandas(con, period: str, rules_yaml: str, org_yaml: str) -> dict:
    """{(team, currency): effective amount} for the period."""
    org, _ = parse_org(org_yaml)
    rules, _ = parse_rules(rules_yaml, org)
    df = con.execute("select * exclude (x_Source) from charges where x_BillingPeriod = ?", [period]).df()
    for key in {c.field[5:] for r in rules for c in r.match if c.field.startswith("tags.")} | {
            r.to_tag for r in rules if r.to_tag}:
        df[f"tag:{key}"] = _tag_values(df["Tags"], key)
    cost = df["EffectiveCost"].astype(float)
    team = pd.Series(None, index=df.index, dtype=object)
    rule_of = pd.Series(-1, index=df.index)
    for i, rule in enumerate(rules):
        m = (rule_of == -1)
        for cond in rule.match:
            m &= _mask(df, cond)
        rule_of[m] = i
        if rule.to:
            team[m] = rule.to
        elif rule.to_tag:
            team[m] = df.loc[m, f"tag:{rule.to_tag}"].str.strip().str.lower().map(org.names())
    out: dict = {}
    direct = pd.DataFrame({"team": team, "cur": df["BillingCurrency"], "cost": cost})[team.notna()]
    for (t, c), v in direct.groupby(["team", "cur"])["cost"].sum().items():
        out[(t, c)] = out.get((t, c), 0.0) + v
    base = direct.groupby(["cur", "team"])["cost"].sum()
    for i, rule in enumerate(rules):
        if rule.split is None:
            continue
        rows = df[rule_of == i]
        for cur, amount in rows.groupby("BillingCurrency")["EffectiveCost"].sum().items():
            if isinstance(rule.split, tuple):
                weights = {t: float(p) for t, p in rule.split}
            else:
                members = list(rule.among) or list(base.get(cur, pd.Series(dtype=float)).index)
                weights = {t: 1.0 if rule.split == "even" else max(float(base.get((cur, t), 0.0)), 0.0)
                           for t in members}
            total = sum(weights.values())
            for t, w in weights.items():
                if total > 0 and w > 0:
                    out[(t, cur)] = out.get((t, cur), 0.0) + float(amount) * w / total
    return {k: v for k, v in out.items()} | _unallocated(df, team, rule_of, rules, cost, base)


def _unallocated(df, team, rule_of, rules, cost, base) -> dict:
    split_ok = np.zeros(len(df), dtype=bool)
    for i, rule in enumerate(rules):
        if rule.split is not None:
            split_ok |= (rule_of == i).to_numpy()
    left = df[team.isna() & ~split_ok]
    return {("Unallocated", c): v for c, v in left.groupby("BillingCurrency")["EffectiveCost"].sum().astype(float).items()}


