"""Organization: departments and teams as YAML, validated as you type, saved as a new version."""

import streamlit as st

from lib.config import org, versions
from lib.web import context

ctx = context.context()
st.title("Organization")
current = versions.current_org(ctx.store)
st.caption(f"{len(current.departments)} departments, {len(current.teams)} teams")
a, b = st.columns(2)
a.dataframe([{"id": d.id, "name": d.name, "heads": ", ".join(d.heads), "GL account": d.gl_account}
             for d in current.departments], hide_index=True, width="stretch")
b.dataframe([{"id": t.id, "name": t.name, "department": t.department, "cost center": t.cost_center,
              "aliases": ", ".join(t.aliases), "owners": ", ".join(t.owners)} for t in current.teams],
            hide_index=True, width="stretch")

st.subheader("Edit")
text = st.text_area("org.yaml", org.dump_org(current), height=360, key="org_yaml")
parsed, errors = org.parse_org(text, "org.yaml")
for e in errors:
    st.error(e)
if parsed:
    st.success(f"Valid: {len(parsed.departments)} departments, {len(parsed.teams)} teams.")
    comment = st.text_input("Comment", key="org_comment")
    if st.button("Save as new version", type="primary", disabled=not comment.strip()):
        version, save_errors = versions.save_org(ctx.store, text, ctx.user, comment.strip())
        st.success(f"Saved as version {version}.") if version else st.error("; ".join(save_errors))
