"""Anomalies: what jumped, why, and the triage decision about it."""

from datetime import timedelta

import streamlit as st

from lib.anomalies import detect, triage
from lib.core import access
from lib.web import charts_anomaly, context

ctx = context.context()
f = ctx.filters
st.title("Anomalies")
st.caption(f"Daily cost per team, team x service and billing account · {context.METRIC_LABELS[f.metric]} cost · "
           "recurring fees, purchases and tax are not watched · weekly and monthly rhythms, public holidays and "
           "days not fully delivered are taken into account")

found = detect.find(ctx.store, ctx.con, ctx.user, f.metric)
if not found:
    st.info("No anomalies in the data you can see.")
    st.stop()
left, right = st.columns([1, 2])
since = left.date_input("Starting on or after", value=max(a.start for a in found) - timedelta(days=90))
states = right.multiselect("State", triage.STATES, default=["new", "acknowledged"])
shown = [a for a in found if a.start >= since and a.state in states]
taught = sum(1 for a in found if a.start >= since and a.state in triage.TEACHING and a.state not in states)
if taught:
    st.caption(f"{taught} more marked expected or recurring by earlier triage (choose them under State to see them).")
st.dataframe(detect.table(shown), hide_index=True, width="stretch")
if not shown:
    st.stop()

pick = st.selectbox("Anomaly", range(len(shown)), format_func=lambda i: detect.label(shown[i]))
a = shown[pick]
st.markdown(f"**{a.explanation}**")
th, fresh, cal = detect.settings(ctx.store, ctx.con)
around = detect.history(ctx.con, ctx.user, a, f.metric, th, fresh=fresh, cal=cal)
st.plotly_chart(charts_anomaly.figure(around, a), width="stretch")
for d in a.drivers:
    st.write(f"- {d.describe(a.currency)}")
st.caption(f"State: **{a.state}**" + (f" — {a.comment}" if a.comment else ""))

if access.can(ctx.user, "triage"):
    with st.form(f"triage-{a.key}"):
        new_state = st.radio("Triage", triage.STATES, index=triage.STATES.index(a.state),
                             horizontal=True)
        comment = st.text_input("Comment", value=a.comment)
        if st.form_submit_button("Save"):
            problems = triage.set_state(ctx.store, ctx.user, a, new_state, comment)
            for p in problems:
                st.error(p)
            if not problems:
                st.session_state["anomaly-saved"] = f"Marked {new_state}. {triage.effect(a, new_state)}".strip()
                st.rerun()
if "anomaly-saved" in st.session_state:
    st.success(st.session_state.pop("anomaly-saved"))
