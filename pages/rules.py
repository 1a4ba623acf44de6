"""Rules: edit the allocation rules as a table, see the impact on a month, save as a new version."""

import pandas as pd
import streamlit as st

from lib.allocation import impact
from lib.config import rules, rules_table
from lib.config import versions as config_versions
from lib.config.versions import current_org
from lib.core.money import fmt
from lib.web import context

ctx = context.context()
st.title("Allocation rules")
versions = config_versions.versions(ctx.store)
latest = versions[0] if versions else None
st.caption(f"Version {latest.id} by {latest.author}, {latest.created_at}: {latest.comment}" if latest
           else "No rules saved yet: every charge is Unallocated.")

edit, history = st.tabs(["Edit and preview", "History"])
with edit:
    st.markdown("First matching rule wins. Cells use YAML: match `{service_name: \"AWS Support*\"}`, "
                "to `web` or `tag:team`, split `even`, `proportional`, `{web: 60, search: 40}` or by usage "
                "`{usage: kubernetes, cluster: shared-prod, weight: cost}` (idle `share`, `unallocated` or a team).")
    table = st.data_editor(pd.DataFrame(rules_table.yaml_to_table(latest.yaml if latest else ""),
                                        columns=rules_table.COLUMNS),
                           num_rows="dynamic", width="stretch", key="rules_editor",
                           column_config={"order": st.column_config.NumberColumn(help="Change to reorder", step=1)})
    draft, cell_problems = rules_table.table_to_yaml(table.to_dict("records"))
    parsed, errors = rules.parse_rules(draft, current_org(ctx.store), "draft")
    for problem in cell_problems + errors:
        st.error(problem)
    if not cell_problems and not errors:
        st.success(f"{len(parsed)} rules, all valid.")
        month = st.selectbox("Preview month", ctx.filters.months[::-1], key="rules_month")
        result = impact.impact(ctx.store, ctx.con, ctx.user, month, draft, ctx.filters.metric)
        frame = pd.DataFrame(result.rows, columns=["team", "currency", "before", "after", "change"])
        moved = frame[frame.change != 0]
        st.metric("Charges that move", f"{result.charges_moved:,}")
        st.dataframe(moved.assign(**{c: moved[c].map(lambda a: fmt(a)) for c in ("before", "after", "change")}),
                     hide_index=True, width="stretch")
        with st.form("save_rules"):
            comment = st.text_input("Comment (required)")
            effective = st.selectbox("Effective from", ["all open periods", *ctx.filters.months[::-1]])
            if st.form_submit_button("Save as new version", type="primary"):
                if not comment.strip():
                    st.error("Say what changed and why in the comment.")
                else:
                    version, save_errors = config_versions.save_rules(ctx.store, draft, ctx.user, comment.strip(),
                                                            None if effective == "all open periods" else effective)
                    for e in save_errors:
                        st.error(e)
                    if version:
                        st.success(f"Saved as version {version}.")
with history:
    st.dataframe(pd.DataFrame([(v.id, v.created_at, v.author, v.effective_from or "", v.comment) for v in versions],
                              columns=["version", "saved", "author", "effective from", "comment"]),
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
