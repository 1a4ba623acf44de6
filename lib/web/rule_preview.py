"""The rules draft's check, its preview on one month, and saving it as a new version.

>>> if preview(ctx, draft, "2026-10"): save_form(ctx, draft)      # doctest: +SKIP
"""

from decimal import Decimal

import pandas as pd
import streamlit as st

from lib.allocation import impact
from lib.config import versions
from lib.config.org import UNALLOCATED
from lib.config.rules import parse_rules
from lib.core.money import fmt

SAVED = "rules_saved"


def share_text(pairs, names: dict[str, str]) -> str:
    """'Web' for a whole charge; 'Web 60% · Search 40%' for a split.

    >>> share_text((("web", Decimal("0.6")), ("search", Decimal("0.4"))), {"web": "Web"})
    'Web 60% · search 40%'
    """
    if len(pairs) == 1 and pairs[0][1] == 1:
        return names.get(pairs[0][0], pairs[0][0])
    return " · ".join(f"{names.get(t, t)} {_percent(s)}" for t, s in sorted(pairs, key=lambda p: (-p[1], p[0])))


def _percent(share) -> str:
    return f"{(Decimal(share) * 100).quantize(Decimal('0.01')).normalize():f}%"


def _teams_table(result: impact.Impact, names: dict[str, str]) -> pd.DataFrame:
    rows = sorted(result.rows, key=lambda r: (r[4] == 0, -abs(r[4]), names.get(r[0], r[0])))
    return pd.DataFrame([(names.get(t, t), cur, fmt(b, cur), fmt(a, cur), ("+" if c > 0 else "") + fmt(c, cur))
                         for t, cur, b, a, c in rows], columns=["Team", "Currency", "Before", "After", "Change"])


def _sample_table(result: impact.Impact, names: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([(m.rule_before, share_text(m.to_before, names), m.rule_after, share_text(m.to_after, names),
                          f"{m.charges:,}", fmt(m.amount, m.currency), m.key, m.example) for m in result.sample],
                        columns=["Rule before", "Went to", "Rule after", "Goes to", "Charges", "Amount that moves",
                                 "Charges with", "For example"])


def preview(ctx, draft: str, month: str | None) -> bool:
    """Show the draft's problems, or what it changes in `month`; True when the draft can be saved."""
    org = versions.current_org(ctx.store)
    parsed, errors = parse_rules(draft, org, "draft")
    if errors:
        st.error("The draft cannot be saved yet:\n\n" + "\n".join(f"- {e.removeprefix('draft: ')}" for e in errors))
        return False
    if month is None:
        st.info(f"{len(parsed)} rules, all valid. There is no billing data to preview them on yet.")
        return True
    result = impact.impact(ctx.store, ctx.con, ctx.user, month, draft, ctx.filters.metric)
    if result.errors:
        st.error("\n\n".join(result.errors))
        return False
    names = {t.id: t.name for t in org.teams} | {UNALLOCATED: UNALLOCATED}
    st.subheader(f"What changes in {month}")
    compared = f"version {result.rules_version}" if result.rules_version else "no rules (all Unallocated)"
    if result.unchanged:
        st.info(f"{len(parsed)} rules, all valid. The draft allocates exactly as {compared}, in effect for "
                f"{month}: nothing moves.", icon=":material/check_circle:")
        return True
    moved_amount = " · ".join(fmt(a, c) for c, a in sorted(result.amount_moved.items())) or fmt(0, ctx.filters.currency)
    a, b, c = st.columns(3)
    a.metric("Charges that move", f"{result.charges_moved:,}")
    b.metric("Amount that moves", moved_amount, help="The part of those charges' cost that goes to another team")
    c.metric("Teams whose total changes", sum(1 for r in result.rows if r[4] != 0))
    st.caption(f"{len(parsed)} rules, all valid; compared with {compared}, in effect for {month}, "
               f"on {ctx.filters.metric} cost.")
    st.dataframe(_teams_table(result, names), hide_index=True, width="stretch")
    if result.sample:
        st.markdown("**Largest moves** (charges grouped by the fields the rules read)")
        st.dataframe(_sample_table(result, names), hide_index=True, width="stretch")
    return True


def save_form(ctx, draft: str) -> None:
    """Comment (required), effective period, save; the new version then becomes the draft's base."""
    if SAVED in st.session_state:
        st.success(st.session_state.pop(SAVED))
    with st.form("save_rules"):
        comment = st.text_input("Comment (required)", placeholder="What changes and why")
        effective = st.selectbox("Effective from", ["all open periods", *(ctx.filters.months[::-1] if ctx.filters
                                                                            else ())])
        if st.form_submit_button("Save as new version", type="primary"):
            version, errors = versions.save_rules(ctx.store, draft, ctx.user, comment.strip(),
                                                  None if effective == "all open periods" else effective)
            for e in errors:
                st.error(e[0].upper() + e[1:])
            if version:
                st.session_state[SAVED] = f"Saved as version {version}."
                st.rerun()
