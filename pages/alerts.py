"""Alerts: what was sent, when, to whom, and what failed (failed ones are retried by the next `alerts check`)."""

import streamlit as st

from lib.alerts import check
from lib.web import context

ctx = context.context()
st.title("Alerts")
st.caption("Budget and anomaly alerts sent by `python -m lib alerts check` (hourly from cron). "
           "Each alert goes to each recipient once; a failed delivery is retried on the next run.")

log = check.alert_log(ctx.store, ctx.user)
a, b, c = st.columns(3)
a.metric("Sent", int((log.status == "sent").sum()))
b.metric("Failed, to be retried", int((log.status == "failed").sum()))
c.metric("Last delivery (UTC)", str(log.time.iloc[0])[:16].replace("T", " ") if len(log) else "none yet")

status = st.segmented_control("Show", ["all", "sent", "failed"], default="all")
kind = st.segmented_control("Kind", ["all", *sorted(set(log.kind))], default="all")
shown = check.alert_log(ctx.store, ctx.user, None if status in (None, "all") else status,
                         None if kind in (None, "all") else kind)
if shown.empty:
    st.info("No alerts sent yet." if log.empty else "No alert matches.")
else:
    st.dataframe(shown, hide_index=True, width="stretch", column_config={
        "time": st.column_config.TextColumn("time (UTC)"), "last_error": st.column_config.TextColumn("last error")})
    context.csv_download(ctx, shown, "alerts.csv")
