"""Allocation rules: YAML in and out, validation that names the rule and field, versions.

    rules:
      - name: Team tag
        match: {tags.team: "*"}           # "*" = the field has a value; glob; "re:<regex>"; a list = any of
        to: tag:team                       # the tag value names the team (id or alias)
      - name: Support
        match: {service_name: "AWS Support*"}
        split: proportional                # or even, or {web: 60, search: 40}
        among: [web, search]
      - name: Shared cluster
        match: {tags.eks:cluster-name: shared-prod}
        split: {usage: kubernetes, cluster: shared-prod, weight: cost}   # by usage: lib.config.usage_split
        idle: share

Rules are evaluated top to bottom; the first whose match fits a charge decides it.

>>> ruleset, errors = parse_rules(text, org)     # doctest: +SKIP
"""

import difflib
import fnmatch
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import yaml

from lib.config import engines
from lib.config.org import Org
from lib.config.usage_split import UsageSplit, dump_usage, parse_usage
from lib.core import focus

RULE_KEYS = {"name", "match", "to", "split", "among", "idle", "description"}
MATCH_FIELDS = set(focus.SNAKE_TO_COLUMN)
ALLOCATED_TAGS = "allocated_tags."  # allocated_tags.<key>: a tag of a provider's split cost allocation (FOCUS 1.3)


@dataclass(frozen=True)
class Condition:
    field: str  # snake_case FOCUS field, 'tags.<key>' or 'allocated_tags.<key>' (key lower-cased)
    patterns: tuple[str, ...]  # any of: '*' (has a value), glob, 're:<regex>'


@dataclass(frozen=True)
class Rule:
    name: str
    match: tuple[Condition, ...]
    to: str | None = None  # a team id
    to_tag: str | None = None  # tag key whose value names the team
    # 'even' | 'proportional' | ((team, pct), ...) | a split by measured usage
    split: str | tuple[tuple[str, Decimal], ...] | UsageSplit | None = None
    among: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleVersion:
    id: int
    created_at: str
    author: str
    comment: str
    effective_from: str | None
    yaml: str


def _patterns(value) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    return tuple(str(v) for v in values)


def _check_pattern(pattern: str) -> str | None:
    if pattern.startswith("re:"):
        problem = engines.regex_problem(pattern[3:])  # checked by the engine that runs it, not Python's re
        if problem:
            return f"the regular expression {pattern[3:]!r} {problem}"
    elif pattern.count("[") != pattern.count("]"):
        return f"bad glob {pattern!r}: unbalanced brackets"
    return None


def _parse_match(raw, where: str, errors: list[str]) -> tuple[Condition, ...]:
    if not isinstance(raw, dict) or not raw:
        errors.append(f"{where}, match: needs at least one field (use {{provider_name: '*'}} to match everything)")
        return ()
    conds = []
    for key, value in raw.items():
        key = str(key)
        if key.lower().startswith("tags."):
            field = "tags." + key[5:].lower()
        elif key.lower().startswith(ALLOCATED_TAGS) and len(key) > len(ALLOCATED_TAGS):
            field = ALLOCATED_TAGS + key[len(ALLOCATED_TAGS):].lower()
        elif key in MATCH_FIELDS:
            field = key
        else:
            close = difflib.get_close_matches(key, sorted(MATCH_FIELDS), n=1)
            errors.append(f"{where}, match: unknown field {key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            continue
        if value is None or value == [] or value == "":
            errors.append(f"{where}, match.{key}: needs a value")
            continue
        patterns = _patterns(value)
        errors += [f"{where}, match.{key}: {e}" for e in map(_check_pattern, patterns) if e]
        conds.append(Condition(field, patterns))
    return tuple(conds)


def _team(org: Org, name, where: str, errors: list[str]) -> str | None:
    team = org.resolve(str(name))
    if team is None:
        errors.append(f"{where}: unknown team {name!r}")
    return team


def _parse_split(raw, org: Org, where: str, errors: list[str]):
    if raw in ("even", "proportional"):
        return raw
    if not isinstance(raw, dict) or not raw:
        errors.append(f"{where}, split: must be even, proportional or a map of team: percent")
        return None
    shares, total = [], Decimal(0)
    for name, pct in raw.items():
        team = _team(org, name, f"{where}, split", errors)
        try:
            value = Decimal(str(pct))
        except InvalidOperation:
            errors.append(f"{where}, split.{name}: {pct!r} is not a number")
            continue
        if value <= 0:
            errors.append(f"{where}, split.{name}: percent must be positive")
        total += value
        if team:
            shares.append((team, value))
    if total != 100 and not any("split." in e for e in errors if e.startswith(where)):
        errors.append(f"{where}, split: percentages add up to {total}, not 100")
    return tuple(shares)


def _parse_rule(raw, i: int, org: Org, source: str, errors: list[str]) -> Rule | None:
    if not isinstance(raw, dict):
        errors.append(f"{source}: rule #{i}: expected a mapping")
        return None
    name = str(raw.get("name") or "").strip()
    where = f"{source}: rule {name!r}" if name else f"{source}: rule #{i}"
    if not name:
        errors.append(f"{where}: needs a name")
    for key in sorted(set(raw) - RULE_KEYS):
        errors.append(f"{where}: unknown key {key!r}")
    match = _parse_match(raw.get("match"), where, errors)
    to, split = raw.get("to"), raw.get("split")
    if (to is None) == (split is None):
        errors.append(f"{where}: needs exactly one of 'to' or 'split'")
        return None
    rule = Rule(name, match)
    if to is not None:
        to = str(to)
        if to.startswith("tag:"):
            if not to[4:].strip():
                errors.append(f"{where}, to: name the tag whose value is the team, like tag:team")
            return Rule(name, match, to_tag=to[4:].lower())
        return Rule(name, match, to=_team(org, to, f"{where}, to", errors))
    among = tuple(t for t in (_team(org, n, f"{where}, among", errors) for n in _patterns(raw.get("among") or [])) if t)
    if isinstance(split, dict) and "usage" in split:
        parsed = parse_usage(split, raw.get("idle"), org, where, errors)
        if raw.get("among"):
            errors.append(f"{where}: 'among' goes with even or proportional splits; a usage split goes to the "
                          f"teams whose usage it measures")
        return Rule(rule.name, match, split=parsed)
    if "idle" in raw:
        errors.append(f"{where}, idle: goes with split: {{usage: kubernetes, ...}}")
    parsed = _parse_split(split, org, where, errors)
    if isinstance(parsed, tuple) and raw.get("among"):
        errors.append(f"{where}: 'among' goes with even or proportional splits, not fixed percentages")
    return Rule(rule.name, match, split=parsed, among=among)


def parse_rules(text: str, org: Org, source: str = "rules.yaml") -> tuple[tuple[Rule, ...] | None, list[str]]:
    """Parse and validate rules YAML against the org; on any error (None, errors)."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        return None, [f"{source}: not valid YAML: {exc}"]
    raw_rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(raw_rules, list):
        return None, [f"{source}: expected a top-level 'rules' list"]
    errors: list[str] = []
    rules = [_parse_rule(r, i + 1, org, source, errors) for i, r in enumerate(raw_rules)]
    rules = [r for r in rules if r is not None]
    names = [r.name for r in rules]
    errors += [f"{source}: rule {n!r}: the name is used twice" for n in sorted({n for n in names if names.count(n) > 1})]
    errors += shadowed(rules, source)
    return (None, errors) if errors else (tuple(rules), [])


def column_of(field: str) -> str | None:
    """The lake column a match field reads; None for `tags.<key>`, which is read through its own column.

    >>> column_of("sub_account_id"), column_of("allocated_tags.team"), column_of("tags.team")
    ('SubAccountId', 'AllocatedTags', None)
    """
    if field.startswith("tags."):
        return None
    return "AllocatedTags" if field.startswith(ALLOCATED_TAGS) else focus.SNAKE_TO_COLUMN[field]


def tag_keys(rules: tuple[Rule, ...]) -> tuple[str, ...]:
    """The (lower-cased) tag keys the rules read, in rule order: in a match (tags.<key>) or as `to: tag:<key>`."""
    keys: list[str] = []
    for rule in rules:
        keys += [c.field[5:] for c in rule.match if c.field.startswith("tags.")]
        if rule.to_tag:
            keys.append(rule.to_tag)
    return tuple(dict.fromkeys(keys))


def _covers(earlier: Condition, later: Condition) -> bool:
    """Does every value `later` accepts also satisfy `earlier`? (conservative: literal values only)"""
    if "*" in earlier.patterns:
        return True
    if any(p.startswith("re:") or any(ch in p for ch in "*?[") for p in later.patterns):
        return set(later.patterns) <= set(earlier.patterns)
    return all(any(not e.startswith("re:") and fnmatch.fnmatchcase(v, e) for e in earlier.patterns)
               for v in later.patterns)


def shadowed(rules: list[Rule], source: str = "rules.yaml") -> list[str]:
    """Rules that can never match because an earlier rule catches everything they would."""
    errors = []
    for j, later in enumerate(rules):
        by_field = {c.field: c for c in later.match}
        for earlier in rules[:j]:
            if all(c.field in by_field and _covers(c, by_field[c.field]) for c in earlier.match):
                errors.append(f"{source}: rule {later.name!r}: can never match, rule {earlier.name!r} above "
                              f"catches every charge it would")
                break
    return errors


def rule_item(r: Rule) -> dict:
    """A rule as the mapping its YAML is (one pattern as a value, several as a list)."""
    item = {"name": r.name, "match": {c.field: (c.patterns[0] if len(c.patterns) == 1 else list(c.patterns))
                                      for c in r.match}}
    if r.to is not None:
        item["to"] = r.to
    elif r.to_tag is not None:
        item["to"] = f"tag:{r.to_tag}"
    elif isinstance(r.split, UsageSplit):
        item["split"], idle = dump_usage(r.split)
        if idle is not None:
            item["idle"] = idle
    else:
        item["split"] = r.split if isinstance(r.split, str) else {t: int(p) if p == int(p) else float(p)
                                                                  for t, p in r.split}
        if r.among:
            item["among"] = list(r.among)
    return item


def dump_rules(rules: tuple[Rule, ...]) -> str:
    return yaml.safe_dump({"rules": [rule_item(r) for r in rules]}, sort_keys=False, allow_unicode=True)


def _meaning(split):
    if isinstance(split, tuple):
        return frozenset((team, pct.normalize()) for team, pct in split)
    return split  # 'even' | 'proportional' | None | a split kind of its own (a frozen record)


def canonical(rules: tuple[Rule, ...]) -> tuple:
    """What a rule set means, as a value: equal for rule sets that allocate every charge the same way,
    whatever the order of match fields, of the values of one field, of split members or of `among`.
    Rule order and names count (the first match wins; results name the rule).

    >>> a = Rule("Net", (Condition("service_category", ("Networking",)), Condition("region_id", ("a", "b"))),
    ...          split=(("web", Decimal("60")), ("search", Decimal("40"))))
    >>> b = Rule("Net", (Condition("region_id", ("b", "a")), Condition("service_category", ("Networking",))),
    ...          split=(("search", Decimal("40.0")), ("web", Decimal("60"))))
    >>> canonical((a,)) == canonical((b,))
    True
    """
    return tuple((r.name, frozenset((c.field, frozenset(c.patterns)) for c in r.match), r.to, r.to_tag,
                  _meaning(r.split), frozenset(r.among)) for r in rules)


def diff(old: RuleVersion, new: RuleVersion) -> str:
    """A readable unified diff between two versions' YAML."""
    return "".join(difflib.unified_diff(old.yaml.splitlines(keepends=True), new.yaml.splitlines(keepends=True),
                                        f"version {old.id}", f"version {new.id}"))


