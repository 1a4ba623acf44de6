"""The rule builder's model: each rule as a card of plain values that widgets edit, to and from YAML.

A card holds what a person picks: conditions (field, operator, values) and where the charges go
(a team, the team a tag names, or a split: even or proportional among some teams, or fixed
percentages). A rule the builder cannot show (a split kind or an option it does not know) keeps
its own YAML, edited as text and written back as it is. Checking is lib.config.rules.parse_rules.

>>> cards, problems = from_yaml('rules: [{name: Support, match: {service_name: "AWS Support*"}, split: proportional}]')
>>> cards[0].clauses
(Clause(field='service_name', op='starts with', values=('AWS Support',)),)
>>> print(to_yaml(cards)[0], end="")
rules:
- name: Support
  match: {service_name: AWS Support*}
  split: proportional
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import yaml

from lib.config.rules import Condition, Rule, rule_item

IS, ANY, PREFIX, GLOB, REGEX, SET = "is", "is any of", "starts with", "matches glob", "matches regex", "has any value"
OPERATORS = (IS, ANY, PREFIX, GLOB, REGEX, SET)
TEAM, TAG, SPLIT = "team", "tag", "split"
EVEN, PROPORTIONAL, FIXED = "even", "proportional", "fixed"
KNOWN_KEYS = {"name", "match", "to", "split", "among", "description"}


@dataclass(frozen=True)
class Clause:
    field: str  # snake_case FOCUS field or tags.<key>
    op: str = IS
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Card:
    name: str = ""
    clauses: tuple[Clause, ...] = ()
    to: str = TEAM  # team | tag | split
    team: str = ""
    tag_key: str = ""
    split: str = EVEN  # even | proportional | fixed
    among: tuple[str, ...] = ()  # even / proportional: these teams (empty: every team with direct cost)
    percents: tuple[tuple[str, Decimal], ...] = ()  # fixed: (team, percent)
    description: str = ""
    raw: str = ""  # YAML of a rule the builder cannot show; when set, the fields above are not used


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _as_literal(pattern: str) -> str | None:
    """The one value a pattern matches exactly, or None when it is a real glob or a regex."""
    if pattern.startswith("re:"):
        return None
    plain = re.sub(r"\[([*?\[])\]", r"\1", pattern)
    return plain if _glob_escape(plain) == pattern else None


def clause(field: str, patterns: tuple[str, ...]) -> Clause | None:
    """The condition a list of rule patterns is, or None when no single operator says it.

    >>> clause("service_name", ("Amazon EMR*",)).op, clause("sub_account_id", ("1", "2")).op
    ('starts with', 'is any of')
    """
    if patterns == ("*",):
        return Clause(field, SET)
    literals = [_as_literal(p) for p in patterns]
    if patterns and None not in literals:
        return Clause(field, IS if len(literals) == 1 else ANY, tuple(v for v in literals if v != ""))
    if len(patterns) != 1:
        return None
    p = patterns[0]
    if p.startswith("re:"):
        return Clause(field, REGEX, (p[3:],))
    prefix = _as_literal(p[:-1]) if p.endswith("*") else None
    return Clause(field, PREFIX, (prefix,)) if prefix else Clause(field, GLOB, (p,))


def patterns(c: Clause) -> tuple[str, ...]:
    """The rule patterns of a condition (values that are not filled in yet are left out)."""
    values = tuple(v for v in c.values if str(v) != "")
    if c.op == SET:
        return ("*",)
    if c.op in (IS, ANY):
        return tuple(_glob_escape(v) for v in values)
    if c.op == PREFIX:
        return tuple(_glob_escape(v) + "*" for v in values)
    return tuple("re:" + v for v in values) if c.op == REGEX else values


def _values(value) -> tuple[str, ...] | None:
    values = value if isinstance(value, list) else [value]
    if any(isinstance(v, dict | list) or v is None for v in values):
        return None
    return tuple(str(v) for v in values)


def _clauses(match) -> tuple[Clause, ...] | None:
    if not isinstance(match, dict):
        return None
    out = []
    for key, value in match.items():
        values = _values(value)
        found = (clause(str(key), values) if values else Clause(str(key), ANY)) if values is not None else None
        if found is None:
            return None
        out.append(found)
    return tuple(out)


def _destination(raw: dict) -> dict | None:
    """The destination fields of a card, or None for a kind the builder does not know."""
    to, split, among = raw.get("to"), raw.get("split"), raw.get("among") or []
    among = [among] if isinstance(among, str) else among
    if (to is None) == (split is None) or not isinstance(among, list):
        return None
    if to is not None:
        if not isinstance(to, str) or among:
            return None
        return {"to": TAG, "tag_key": to[4:]} if to.startswith("tag:") else {"to": TEAM, "team": to}
    if split in (EVEN, PROPORTIONAL):
        return {"to": SPLIT, "split": split, "among": tuple(str(t) for t in among)}
    if not isinstance(split, dict) or among:
        return None
    try:
        percents = tuple((str(t), Decimal(str(p))) for t, p in split.items()
                         if not isinstance(p, bool | dict | list | None))
    except InvalidOperation:
        return None
    return {"to": SPLIT, "split": FIXED, "percents": percents} if len(percents) == len(split) else None


def card(raw) -> Card:
    """One rule mapping of the YAML as a card (a card with `raw` YAML when the builder cannot show it)."""
    name = str(raw.get("name") or "") if isinstance(raw, dict) else ""
    if isinstance(raw, dict) and set(raw) <= KNOWN_KEYS:
        clauses, dest = _clauses(raw.get("match")), _destination(raw)
        if clauses is not None and dest is not None:
            return Card(name, clauses, description=str(raw.get("description") or ""), **dest)
    return Card(name, raw=yaml.safe_dump(raw, sort_keys=False, allow_unicode=True))


def from_yaml(text: str) -> tuple[list[Card], list[str]]:
    """The cards of a rules YAML, or ([], problems) when the text is not a rules list."""
    try:
        data = yaml.safe_load(text or "") or {"rules": []}
    except yaml.YAMLError as exc:
        return [], [f"not valid YAML: {str(exc).splitlines()[0]}"]
    rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rules, list):
        return [], ["expected a top-level 'rules' list"]
    return [card(r) for r in rules], []


def as_rule(c: Card) -> Rule:
    """The card as a Rule record (not checked against the org: lib.config.rules.parse_rules does that)."""
    match = tuple(Condition(x.field, patterns(x)) for x in c.clauses)
    if c.to == TEAM:
        return Rule(c.name, match, to=c.team)
    if c.to == TAG:
        return Rule(c.name, match, to_tag=c.tag_key)
    if c.split == FIXED:
        return Rule(c.name, match, split=tuple(c.percents))
    return Rule(c.name, match, split=c.split, among=tuple(c.among))


def item(c: Card) -> dict:
    """The rule mapping of a card (its own YAML for a card the builder cannot show)."""
    if c.raw:
        return yaml.safe_load(c.raw)
    out = rule_item(as_rule(c))
    for x in c.clauses:  # a condition not filled in yet keeps its operator: "" (one value) or [] (any of)
        if not patterns(x):
            out["match"][x.field] = [] if x.op == ANY else ""
    return {**out, "description": c.description} if c.description else out


def to_yaml(cards: list[Card]) -> tuple[str, list[str]]:
    """The rules YAML of the cards, and the cards whose own YAML does not parse (by position and name)."""
    items, problems = [], []
    for i, c in enumerate(cards, start=1):
        try:
            items.append(item(c))
        except yaml.YAMLError as exc:
            problems.append(f"rule #{i} {c.name!r}: not valid YAML: {str(exc).splitlines()[0]}")
    # Flow style for the small maps and lists (match, split, among), as the rules are written by hand.
    return yaml.safe_dump({"rules": items}, sort_keys=False, allow_unicode=True, default_flow_style=None,
                          width=120), problems


def percent(value) -> Decimal:
    """A percentage from a number widget, to two places, without trailing zeros.

    >>> percent(40.0), percent(33.333)
    (Decimal('40'), Decimal('33.33'))
    """
    exact = Decimal(f"{value:.2f}")
    return exact.quantize(Decimal(1)) if exact == exact.to_integral_value() else exact.normalize()


def percent_total(c: Card) -> Decimal:
    return sum((p for _, p in c.percents), Decimal(0))


def field_label(field: str) -> str:
    """'service_name' -> 'Service name'; 'tags.team' -> 'Tag: team'."""
    if field.startswith("tags."):
        return f"Tag: {field[5:]}"
    return field.replace("_", " ").capitalize().replace(" id", " ID")


def describe(c: Card, names: dict[str, str]) -> str:
    """One line saying what a card does: 'Service name starts with AWS Support → proportional split'."""
    if c.raw:
        return "written in YAML"
    def one(x: Clause) -> str:
        shown = ", ".join(x.values[:3]) + (f" +{len(x.values) - 3}" if len(x.values) > 3 else "")
        return f"{field_label(x.field)} has any value" if x.op == SET else f"{field_label(x.field)} {x.op} {shown}"
    when = " and ".join(one(x) for x in c.clauses) or "no condition yet"
    def team(t: str) -> str:
        return names.get(t, t)
    if c.to == TEAM:
        to = team(c.team) or "a team (not chosen)"
    elif c.to == TAG:
        to = f"the team named by tag {c.tag_key or '(not chosen)'}"
    elif c.split == FIXED:
        to = " · ".join(f"{team(t)} {p}%" for t, p in c.percents) or "fixed split (no teams yet)"
    else:
        to = f"{c.split} split among " + (", ".join(map(team, c.among)) or "every team with direct cost")
    return f"{when} → {to}"


def new_card(cards: list[Card]) -> Card:
    """An empty rule with a name not used yet."""
    taken, n = {c.name for c in cards}, len(cards) + 1
    while f"New rule {n}" in taken:
        n += 1
    return Card(f"New rule {n}", (Clause("service_name"),))


def moved(cards: list[Card], i: int, step: int) -> list[Card]:
    """The cards with card i moved up (-1) or down (+1); unchanged at either end."""
    j = i + step
    if not 0 <= j < len(cards):
        return list(cards)
    out = list(cards)
    out[i], out[j] = out[j], out[i]
    return out

