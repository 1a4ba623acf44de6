"""Rules: build the allocation rules with widgets (or YAML), see what they change in a month, save a version."""

import pandas as pd
import streamlit as st

from lib.config import rules
from lib.config import versions as config_versions
from lib.sources.runs import when
from lib.web import context, rule_editor, rule_preview

ctx = context.context()
st.title("Allocation rules")
versions = config_versions.versions(ctx.store)
latest = versions[0] if versions else None
st.caption(f"Version {latest.id} by {latest.author}, {when(latest.created_at)}: {latest.comment}" if latest
           else "No rules saved yet: every charge is Unallocated.")

edit, history = st.tabs(["Edit and preview", "History"], key="rules_tab")
with edit:
    months = ctx.filters.months[::-1] if ctx.filters else ()
    month = st.selectbox("Month for the figures and the preview", months, key="rules_month",
                         index=months.index(ctx.filters.month)) if months else None
    draft = rule_editor.editor(ctx, latest.yaml if latest else "", latest.id if latest else None, month)
    if rule_preview.preview(ctx, draft, month):
        rule_preview.save_form(ctx, draft)
with history:
    st.dataframe(pd.DataFrame([(v.id, when(v.created_at), v.author, v.effective_from or "", v.comment) for v in versions],
                              columns=["Version", "Saved", "Author", "Effective from", "Comment"]),
                 hide_index=True, width="stretch")
    if len(versions) > 1:
        ids = [v.id for v in versions]
        a, b = st.columns(2)
        old = a.selectbox("Compare version", ids[1:], key="diff_old")
        new = b.selectbox("with version", ids, key="diff_new")
        st.code(rules.diff(*(next(v for v in versions if v.id == i) for i in (old, new))) or "No differences.",
                language="diff")
        if st.button(f"Restore version {old} as a new version"):
            version, restore_errors = config_versions.restore(ctx.store, old, ctx.user)
            st.success(f"Restored as version {version}.") if version else st.error("; ".join(restore_errors))
