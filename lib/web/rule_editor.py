"""The rules editor: a builder of widgets and a YAML tab, both editing one draft in the session.

The draft is YAML text (session key DRAFT). Every builder widget writes the draft from its
callback, before the page reruns, so the figures each rule shows are those of the draft on
screen; a YAML edit or a structural change (add, move, delete) rebuilds the widgets from it.

>>> draft = editor(ctx, saved_yaml, "2026-10")     # doctest: +SKIP
"""

import re

import streamlit as st

from lib.allocation import rule_data
from lib.config import rule_builder as rb
from lib.config.rules import MATCH_FIELDS, parse_rules
from lib.config.versions import current_org
from lib.core.money import fmt

DRAFT, BASE, GEN, YGEN, FOCUS = "rules_draft", "rules_base", "rb_gen", "ry_gen", "rb_focus"
COMMON = ("provider_name", "billing_account_id", "sub_account_id", "sub_account_name", "service_name",
          "service_category", "region_id", "resource_id", "resource_name", "sku_id", "charge_category")
TO = {rb.TEAM: "A team", rb.TAG: "The team a tag names", rb.SPLIT: "Split between teams"}
SPLITS = {rb.EVEN: "Even", rb.PROPORTIONAL: "Proportional to direct cost", rb.FIXED: "Fixed percentages"}


def _md(text: str) -> str:
    """Text shown as is inside Markdown (globs keep their stars)."""
    return re.sub(r"([\\`*_\[\]<>~|$])", r"\\\1", text)


def _key(i: int, part: str) -> str:
    return f"rb{st.session_state.get(GEN, 0)}_{i}_{part}"


def _cards() -> list[rb.Card]:
    return rb.from_yaml(st.session_state[DRAFT])[0]


def _write(cards: list[rb.Card], rebuild: bool) -> None:
    """Store the cards as the draft; `rebuild` makes fresh builder widgets (the YAML tab always follows)."""
    text, problems = rb.to_yaml(cards)
    if problems:
        return
    st.session_state[DRAFT] = text
    st.session_state[YGEN] = st.session_state.get(YGEN, 0) + 1
    if rebuild:
        _rebuild()


def _rebuild() -> None:
    old = f"rb{st.session_state.get(GEN, 0)}_"
    for k in [k for k in st.session_state if isinstance(k, str) and k.startswith(old)]:
        del st.session_state[k]
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1


def _clause_from_state(i: int, j: int, c: rb.Clause) -> rb.Clause:
    ss = st.session_state
    field, op = ss.get(_key(i, f"c{j}_field"), c.field), ss.get(_key(i, f"c{j}_op"), c.op)
    key = _key(i, f"c{j}_v_{op}_{field}")
    if key not in ss:
        return rb.Clause(field, op, c.values if op in (rb.IS, rb.ANY) or not c.values else c.values[:1])
    value = ss[key]
    values = tuple(value) if isinstance(value, list) else ((str(value),) if value not in (None, "") else ())
    return rb.Clause(field, op, values)


def _card_from_state(i: int, c: rb.Card) -> rb.Card:
    """The card as its widgets now say (a widget not drawn yet keeps the card's value)."""
    ss = st.session_state
    if c.raw:
        return rb.Card(c.name, raw=ss.get(_key(i, "raw"), c.raw))
    split = ss.get(_key(i, "split"), c.split)
    members = ss.get(_key(i, "members"), [t for t, _ in c.percents])
    old = dict(c.percents)
    percents = tuple((t, rb.percent(ss.get(_key(i, f"pct_{t}"), old.get(t, 0)))) for t in members)
    return rb.Card(ss.get(_key(i, "name"), c.name), tuple(_clause_from_state(i, j, x) for j, x in enumerate(c.clauses)),
                   ss.get(_key(i, "to"), c.to), ss.get(_key(i, "team"), c.team) or "",
                   ss.get(_key(i, "tag"), c.tag_key) or "", split, tuple(ss.get(_key(i, "among"), c.among)),
                   percents, c.description)


def _changed(i: int) -> None:
    cards = _cards()
    cards[i] = _card_from_state(i, cards[i])
    _write(cards, rebuild=False)


def _structure(op: str, i: int, j: int = 0) -> None:
    cards = [_card_from_state(n, c) for n, c in enumerate(_cards())]
    if op == "add":
        cards.append(rb.new_card(cards))
        i = len(cards) - 1
    elif op == "delete":
        del cards[i]
    elif op in ("up", "down"):
        cards = rb.moved(cards, i, -1 if op == "up" else 1)
        i = max(0, min(len(cards) - 1, i + (-1 if op == "up" else 1)))
    elif op == "add_clause":
        cards[i] = rb.Card(**{**cards[i].__dict__, "clauses": (*cards[i].clauses, rb.Clause("service_name"))})
    elif op == "drop_clause":
        cards[i] = rb.Card(**{**cards[i].__dict__, "clauses": tuple(c for n, c in enumerate(cards[i].clauses) if n != j)})
    st.session_state[FOCUS] = i
    _write(cards, rebuild=True)


def _from_yaml_tab() -> None:
    st.session_state[DRAFT] = st.session_state[f"rules_yaml_{st.session_state.get(YGEN, 0)}"]
    _rebuild()


def start(saved_yaml: str, version_id: int | None) -> None:
    """Begin a draft from the saved rules (again whenever a newer version is saved)."""
    if st.session_state.get(BASE) != version_id or DRAFT not in st.session_state:
        st.session_state[DRAFT], st.session_state[BASE] = saved_yaml or "rules: []\n", version_id
        st.session_state[YGEN] = st.session_state.get(YGEN, 0) + 1
        _rebuild()


def _present(ctx, month: str | None) -> list[str]:
    if month is None:  # no billing data yet: every field the rules know, nothing to suggest
        return sorted(MATCH_FIELDS)
    return rule_data.fields_present(ctx.store, ctx.con, month)


def _tag_keys(ctx, month: str | None) -> list[str]:
    return rule_data.tag_keys_present(ctx.store, ctx.con, month) if month else []


def _suggested(ctx, month: str | None, field: str) -> list[str]:
    return rule_data.values(ctx.store, ctx.con, month, field) if month else []


def _field_options(ctx, month: str | None, current: str) -> list[str]:
    present = _present(ctx, month)
    tags = [f"tags.{k}" for k in _tag_keys(ctx, month)]
    ordered = [f for f in COMMON if f in present] + tags + [f for f in present if f not in COMMON]
    return ordered if current in ordered else [*ordered, current]


def _values_widget(ctx, month: str, i: int, j: int, c: rb.Clause) -> None:
    key = _key(i, f"c{j}_v_{c.op}_{c.field}")
    args = {"on_change": _changed, "args": (i,), "label_visibility": "visible" if j == 0 else "collapsed"}
    if c.op == rb.SET:
        st.text_input("Value", "any value that is not empty", key=key, disabled=True, **args)
        return
    if c.op in (rb.PREFIX, rb.GLOB, rb.REGEX):
        hint = {rb.PREFIX: "e.g. AWS Support", rb.GLOB: "e.g. arn:aws:eks:*:cluster/shared-*",
                rb.REGEX: "e.g. ^marketing-(eu|us)$"}[c.op]
        st.text_input("Value", c.values[0] if c.values else "", key=key, placeholder=hint, **args)
        return
    options = list(dict.fromkeys([*c.values, *_suggested(ctx, month, c.field)]))
    if c.op == rb.IS:
        st.selectbox("Value", options, index=0 if c.values else None, key=key, accept_new_options=True,
                     placeholder="Pick or type a value", **args)
    else:
        st.multiselect("Values", options, default=list(c.values), key=key, accept_new_options=True,
                       placeholder="Pick or type values", **args)


def _clauses(ctx, month: str, i: int, c: rb.Card) -> None:
    for j, x in enumerate(c.clauses):
        f, o, v, d = st.columns([4, 3, 4, 0.7], vertical_alignment="bottom")
        fields = _field_options(ctx, month, x.field)
        with f:
            st.selectbox("Field", fields, key=_key(i, f"c{j}_field"), index=fields.index(x.field),
                         format_func=rb.field_label, on_change=_changed, args=(i,),
                         label_visibility="visible" if j == 0 else "collapsed")
        with o:
            st.selectbox("Operator", rb.OPERATORS, index=rb.OPERATORS.index(x.op), key=_key(i, f"c{j}_op"),
                         on_change=_changed, args=(i,), label_visibility="visible" if j == 0 else "collapsed")
        with v:
            _values_widget(ctx, month, i, j, x)
        d.button("", icon=":material/close:", key=_key(i, f"c{j}_drop"), help="Remove this condition",
                 on_click=_structure, args=("drop_clause", i, j), disabled=len(c.clauses) == 1)
    st.button("And another condition", icon=":material/add:", key=_key(i, "add_clause"), type="tertiary",
              on_click=_structure, args=("add_clause", i))


def _split(ctx, i: int, c: rb.Card, teams: dict[str, str]) -> None:
    split = st.radio("Split", list(SPLITS), format_func=SPLITS.get, index=list(SPLITS).index(c.split),
                     key=_key(i, "split"), horizontal=True, on_change=_changed, args=(i,))
    if split != rb.FIXED:
        st.multiselect("Among", list(teams), default=[t for t in c.among if t in teams], format_func=teams.get,
                       key=_key(i, "among"), on_change=_changed, args=(i,),
                       placeholder="Every team with direct cost this period")
        return
    members = st.multiselect("Teams", list(teams), default=[t for t, _ in c.percents if t in teams],
                             format_func=teams.get, key=_key(i, "members"), on_change=_changed, args=(i,))
    shares = dict(c.percents)
    cols = st.columns(4)
    for n, team in enumerate(members):
        cols[n % 4].number_input(f"{teams[team]} %", 0.0, 100.0, float(shares.get(team, 0)), 1.0, format="%.2f",
                                 key=_key(i, f"pct_{team}"), on_change=_changed, args=(i,))
    total = rb.percent_total(c)
    if total == 100:
        st.caption(f":green[:material/check: Adds up to {total}%]")
    else:
        st.caption(f":red[Adds up to {total}%: {'add' if total < 100 else 'remove'} {abs(100 - total)}%]")


def _destination(ctx, month: str, i: int, c: rb.Card, teams: dict[str, str]) -> None:
    to = st.radio("Charges go to", list(TO), format_func=TO.get, index=list(TO).index(c.to), key=_key(i, "to"),
                  horizontal=True, on_change=_changed, args=(i,))
    if to == rb.TEAM:
        options = list(teams) if c.team in teams or not c.team else [*teams, c.team]
        st.selectbox("Team", options, index=options.index(c.team) if c.team else None, format_func=lambda t: teams.get(t, t),
                     key=_key(i, "team"), on_change=_changed, args=(i,), placeholder="Pick a team")
    elif to == rb.TAG:
        keys = list(dict.fromkeys([*([c.tag_key] if c.tag_key else []),
                                   *_tag_keys(ctx, month)]))
        st.selectbox("Tag key", keys, index=0 if c.tag_key else None, key=_key(i, "tag"), accept_new_options=True,
                     on_change=_changed, args=(i,), placeholder="Pick or type a tag key",
                     help="The tag's value names the team (its id or an alias from the organization)")
    else:
        _split(ctx, i, c, teams)


def caught_text(found: dict | None, month: str) -> str:
    """'1,204 charges · $8,120.55 in 2026-10' (one part per currency); '' when the draft has errors."""
    if found is None:
        return ""
    if not found:
        return f"catches nothing in {month}"
    return " · ".join(f"{n:,} charge{'' if n == 1 else 's'}, {fmt(amount, cur)}"
                      for cur, (n, amount) in sorted(found.items())) + f" in {month}"


def _card(ctx, month: str, i: int, c: rb.Card, count: int, teams: dict[str, str], found) -> None:
    what = rb.describe(c, teams)
    label = (f"**{i + 1}. {_md(c.name or 'unnamed')}** · {_md(what if len(what) < 90 else what[:88] + '…')}"
             + (f" · :gray[{caught_text(found, month)}]" if found is not None else ""))
    with st.expander(label, expanded=st.session_state.get(FOCUS) == i, key=_key(i, "open")):
        st.caption(what)
        name, up, down, delete = st.columns([6, 1, 1, 1], vertical_alignment="bottom")
        name.text_input("Rule name", c.name, key=_key(i, "name"), on_change=_changed, args=(i,))
        up.button("", icon=":material/arrow_upward:", key=_key(i, "up"), help="Move up (the first match wins)",
                  on_click=_structure, args=("up", i), disabled=i == 0)
        down.button("", icon=":material/arrow_downward:", key=_key(i, "down"), help="Move down",
                    on_click=_structure, args=("down", i), disabled=i == count - 1)
        delete.button("", icon=":material/delete:", key=_key(i, "delete"), help="Delete this rule",
                      on_click=_structure, args=("delete", i))
        if c.raw:
            st.info("This rule uses options the builder does not show; edit it as YAML here or in the YAML tab.",
                    icon=":material/code:")
            st.text_area("Rule (YAML)", c.raw, key=_key(i, "raw"), on_change=_changed, args=(i,), height=140)
            for problem in rb.to_yaml([_card_from_state(i, c)])[1]:
                st.error(problem.replace("rule #1", f"rule #{i + 1}"))
            return
        st.markdown("**When** all of these hold")
        _clauses(ctx, month, i, c)
        st.markdown("**Then**")
        _destination(ctx, month, i, c, teams)


def editor(ctx, saved_yaml: str, version_id: int | None, month: str | None) -> str:
    """The builder and YAML tabs over one draft; returns the draft YAML."""
    start(saved_yaml, version_id)
    org = current_org(ctx.store)
    teams = {t.id: t.name for t in org.teams}
    builder, text = st.tabs(["Builder", "YAML (advanced)"], key="rules_view")
    with builder:
        cards, problems = rb.from_yaml(st.session_state[DRAFT])
        if problems:
            st.warning(f"The YAML has a problem ({problems[0]}); fix it in the YAML tab to use the builder again.")
        parsed, _ = parse_rules(st.session_state[DRAFT], org, "draft")
        found = (rule_data.caught(ctx.store, ctx.con, ctx.user, month, parsed, ctx.filters.metric)
                 if parsed and month else None)
        st.caption("Rules are tried top to bottom; the first rule whose conditions all hold takes the charge.")
        for i, c in enumerate(cards):  # as the widgets say: an operator picked before its value is kept
            _card(ctx, month, i, _card_from_state(i, c), len(cards), teams, None if found is None else found.get(i, {}))
        if not problems:
            st.button("Add a rule", icon=":material/add:", on_click=_structure, args=("add", 0))
    with text:
        st.caption("The same draft as YAML: match `{service_name: \"AWS Support*\"}` (a list means any of, "
                   "`re:` a regular expression), `to: web` or `to: tag:team`, `split: even`, `proportional` "
                   "(with `among: [...]`) or `{web: 60, search: 40}`.")
        st.text_area("Rules YAML", st.session_state[DRAFT], height=420, key=f"rules_yaml_{st.session_state[YGEN]}",
                     on_change=_from_yaml_tab, label_visibility="collapsed")
    return st.session_state[DRAFT]
