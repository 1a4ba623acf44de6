"""Health (admin): the pipeline's own checks, run trends per source, and the problems of failing runs."""

from datetime import timedelta

import streamlit as st

from lib.alerts import health, health_sources, incidents
from lib.web import charts_health, context

ctx = context.context()
st.title("Health")
st.caption("The billing pipeline itself: the same checks as `python -m lib health` (cron, monitoring). "
           "`alerts check` tells the admins once when a check starts failing, and once when it passes again.")

result = health.run(ctx.store, ctx.con, ctx.user)
a, b, c = st.columns(3)
a.metric("Status", result.status.upper())
b.metric("Failing", result.count("fail"))
c.metric("Warnings", result.count("warn"))
st.caption(f"Checked {result.checked_at:%Y-%m-%d %H:%M} UTC.")
st.markdown(charts_health.checks_markdown(result.checks))

told = incidents.open_incidents(ctx.store, ctx.user)
if told:
    st.caption("Open incidents (told to the admins): " + "; ".join(
        f"{i.check_name} since {i.opened_at[:16].replace('T', ' ')}" for i in told))

st.subheader(f"Refresh runs, last {health_sources.TREND_DAYS} days")
runs = health_sources.trends(ctx.store, ctx.user, result.checked_at)
span = (result.checked_at - timedelta(days=health_sources.TREND_DAYS), result.checked_at)
if runs.empty:
    st.info("No refresh or import has run in this period.")
else:
    left, right = st.columns(2)
    left.plotly_chart(charts_health.run_trend(runs, "duration_s", "Duration per run", span, " s"), width="stretch")
    right.plotly_chart(charts_health.run_trend(runs, "rows", "Rows per run", span), width="stretch")
    st.plotly_chart(charts_health.failures_per_day(runs, span), width="stretch")

failing = health_sources.failed_runs(ctx.store, ctx.user, sorted({c.run_id for c in result.checks if c.run_id}))
for run in failing:
    st.subheader(f"Problems of run {run['id']} ({run['source']})", anchor=f"run-{run['id']}", divider="red")
    st.caption(f"{run['label']} · started {run['started_at'][:16].replace('T', ' ')} UTC · {run['outcome']}")
    st.code("\n".join(run["problems"]) or "(no problem recorded)", language=None, wrap_lines=True)
