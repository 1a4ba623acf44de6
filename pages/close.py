"""Close & reconcile: invoiced vs ingested vs allocated vs statements, corrections to closed periods, data freshness,
contract commitments, close and reopen."""

import pandas as pd
import streamlit as st

from lib.month_end import close, closes, reconcile
from lib.reports import commitments
from lib.sources.runs import when
from lib.web import context, tables

ctx = context.context()
f = ctx.filters
st.title("Close & reconcile")
result = reconcile.reconcile(ctx.store, ctx.con, ctx.user, f.month, f.metric)
record = closes.current_close(ctx.store, f.month)
st.caption(f"{f.scope_text} · {context.METRIC_LABELS[f.metric]} cost · "
           + (f"closed by {record.closed_by} at {record.closed_at} (issue {record.issue})" if record else "open"))

st.caption("Per billing account: its invoices, what was ingested and allocated, and what the statements "
           "and the journal charge, to the cent. Every check holds exactly or is a difference below.")
st.caption(f"Invoiced amounts from: {result.invoiced_from}")
st.dataframe(tables.tieout(result), hide_index=True, width="stretch")
for d in result.differences:
    st.error(str(d) + "".join(f"\n- {line}" for line in d.lines))
for r in result.restatements:
    st.info(str(r), icon=":material/history:")
if result.passed:
    st.success("Reconciles: invoiced = ingested = allocated + Unallocated = statements, and the journal credits "
               "each provider exactly its invoices plus adjustments.")
for c in result.corrections:
    st.warning(f"Correction to a closed period: {c}", icon=":material/history:")
st.subheader("Data freshness")
st.dataframe(pd.DataFrame([(x.source, when(x.last_refresh) or "never", x.data_through) for x in result.freshness],
                          columns=["Source", "Last refresh", "Charges through"]), hide_index=True, width="stretch")

held = commitments.commitments(ctx.store, ctx.con, ctx.user, f.month)
if held:
    st.subheader("Contract commitments")
    st.caption(f"Cost of each commitment and what the charges of {f.month} applied to it (FOCUS ContractApplied)")
    st.dataframe(pd.DataFrame(commitments.display(held)), hide_index=True, width="stretch")

if record is None:
    st.subheader("Close the month")
    reason = st.text_input("Override reason (only needed when it does not reconcile)", key="override",
                           disabled=result.passed)
    if st.button("Close month", type="primary", disabled=not result.passed and not reason.strip()):
        closed, problems = close.close_month(ctx.store, ctx.con, ctx.user, f.month, reason, f.metric)
        if problems:
            st.error("\n\n".join(problems))
        else:
            sent = close.send_after_close(ctx.store, ctx.con, ctx.user, f.month, f.metric)
            st.session_state["close_done"] = f"{f.month} closed (issue {closed.issue}); {len(sent)} e-mail(s)"
            st.rerun()
else:
    st.subheader("Reopen the month")
    why = st.text_input("Reason for reopening", key="reopen_reason")
    if st.button("Reopen month", disabled=not why.strip()):
        problems = close.reopen_month(ctx.store, ctx.user, f.month, why)
        if problems:
            st.error("\n\n".join(problems))
        else:
            st.session_state["close_done"] = f"{f.month} reopened"
            st.rerun()
if "close_done" in st.session_state:
    st.success(st.session_state.pop("close_done"))

st.subheader("History")
history = closes.history(ctx.store)
if history:
    st.dataframe(pd.DataFrame(history), hide_index=True, width="stretch")
else:
    st.caption("No month has been closed yet.")
