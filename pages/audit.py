"""Audit trail: who changed, exported, logged in or closed what; filter, verify the chain, download CSV."""

import io
from dataclasses import asdict

import streamlit as st

from lib.store import audit
from lib.web import context

ctx = context.context()
st.title("Audit trail")
st.caption("Append-only and hash-chained: an edited, reordered or deleted entry is detected by Verify.")

left, mid, right, last = st.columns(4)
since = left.date_input("From", value=None, key="audit-since")
until = mid.date_input("Until", value=None, key="audit-until")
actor = right.text_input("Who (username)", key="audit-actor").strip().lower()
action = last.selectbox("Action", [""] + audit.actions(ctx.store, ctx.user), key="audit-action",
                        format_func=lambda a: a or "any")
filters = {"since": since.isoformat() if since else None, "until": until.isoformat() if until else None,
           "actor": actor, "action": action}

found = audit.entries(ctx.store, ctx.user, **filters)
st.dataframe([asdict(e) for e in found], hide_index=True, width="stretch",
             column_config={"details": st.column_config.TextColumn(width="large")})
st.caption(f"{len(found)} entries")


def _csv() -> str:
    out = io.StringIO()
    audit.export_csv(ctx.store, ctx.user, out, **filters)  # records the download in the trail
    return out.getvalue()


a, b = st.columns(2)
a.download_button("Download CSV", data=_csv, file_name="audit-trail.csv", mime="text/csv",
                  icon=":material/download:", on_click="ignore")
if b.button("Verify the chain", icon=":material/verified:"):
    problems = audit.verify(ctx.store)
    if problems:
        st.error("The audit trail was tampered with:\n\n" + "\n".join(f"- {p}" for p in problems))
    else:
        st.success(f"The audit trail is intact ({audit.anchors(ctx.store)}).")
