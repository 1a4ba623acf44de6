"""Overview: this month against last month, by provider and department, the daily trend, Unallocated."""

import pandas as pd
import streamlit as st

from lib.config.calendar import calendar
from lib.core.money import fmt
from lib.reports import freshness
from lib.reports.overview import overview
from lib.reports.palette import UNALLOCATED_COLOUR
from lib.reports.reporting_currency import in_reporting_currency
from lib.reports.spend import unallocated_by_reason
from lib.reports.through import running
from lib.web import charts, context

ctx = context.context()
f = ctx.filters
o = overview(ctx.con, ctx.user, f.month, f.metric, f.currency, f.providers,
             fresh=freshness.complete_through(ctx.store, ctx.con), cal=calendar(ctx.store))
palette = context.palette(ctx.store)

st.title("Overview")
st.caption(f"{f.scope_text} · {context.METRIC_LABELS[f.metric]} cost · {f.currency}")

mtd = bool(o.previous_period) and running(f.month, f.through)  # month to date: against the same days before
row = st.container(horizontal=True, gap="medium")  # wraps onto a second line on a narrow screen
row.metric("This period", fmt(o.total, f.currency), width="content", delta_color="inverse",
           delta=(f"{fmt(o.total - o.previous_same_days, f.currency)} vs the same days" if mtd else
                  f"{fmt(o.total - o.previous, f.currency)} vs {o.previous_period}") if o.previous_period else None)
if mtd:
    row.metric(f"Same days of {o.previous_period}", fmt(o.previous_same_days, f.currency), width="content",
               help=f"The whole of {o.previous_period}: {fmt(o.previous, f.currency)}")
else:
    row.metric(f"Last period ({o.previous_period or '–'})", fmt(o.previous, f.currency), width="content")
if ctx.user.whole_org:  # Unallocated belongs to no department: only whole-org roles see it
    row.metric("Unallocated", fmt(o.unallocated, f.currency), width="content", delta_color="off",
               delta=f"{(o.unallocated / o.total * 100 if o.total else 0):.1f}% of spend")
if o.forecast:
    row.metric("Forecast for period end", fmt(o.forecast.total, f.currency), width="content", delta_color="off",
               delta=f"range {fmt(o.forecast.low, f.currency)} – {fmt(o.forecast.high, f.currency)}",
               help=f"Method: {o.forecast.method}")
row.metric("Departments", len(o.by_department[o.by_department.department != "Unallocated"]), width="content")

if f.reporting:
    r = in_reporting_currency(ctx.store, ctx.con, ctx.user, f.month, f.metric, f.reporting, f.providers)
    parts = ", ".join(fmt(line.amount, line.currency) + (f" × {line.rate:.4f}" if line.rate != 1 else "")
                      for line in r.lines if line.converted is not None)
    st.info(f"All billing currencies in {r.currency}: **{fmt(r.total, r.currency)}** (converted: {parts})"
            + ("".join(f" · {m}" for m in r.missing)), icon=":material/currency_exchange:")

left, right = st.columns(2)
with left:
    st.subheader("By provider")
    st.plotly_chart(charts.bars(list(o.by_provider.provider), list(o.by_provider.amount), f.currency, "provider"),
                    width="stretch")
with right:
    st.subheader("By department")
    st.plotly_chart(charts.bars(list(o.by_department.department), list(o.by_department.amount), f.currency,
                                "department", palette), width="stretch")

st.subheader("Daily spend")
st.plotly_chart(charts.stacked(list(o.daily.day), list(o.daily.provider), list(o.daily.amount), f.currency,
                               "provider"), width="stretch")

st.subheader("Biggest movers")
st.caption(f"Growth against the same days of {o.previous_period or 'the previous period'}")
tables = st.container(horizontal=True, gap="medium")  # side by side, one under the other when narrow
for kind, title in (("team", "Team"), ("service", "Service")):
    movers = o.movers[o.movers.kind == kind]
    tables.dataframe(pd.DataFrame({title: [palette.name(kind, n) for n in movers.name],
                                   "This period": [fmt(a, f.currency) for a in movers.current],
                                   "Change": [fmt(a, f.currency) for a in movers.change]}),
                     hide_index=True, width=440)

if ctx.user.whole_org:  # a department's own view has no Unallocated (it belongs to no department)
    st.subheader("Unallocated share")
    parts = st.container(horizontal=True, gap="medium")
    parts.plotly_chart(charts.line(list(o.unallocated_trend.period), list(o.unallocated_trend.share_pct), f.currency,
                                   percent=True, colour=UNALLOCATED_COLOUR), width=440)
    reasons = unallocated_by_reason(ctx.con, ctx.user, f.month, f.metric, f.currency)
    if reasons:
        why = parts.container(width=440)
        why.caption("Why spend is Unallocated this period: what to fix next")
        why.dataframe(pd.DataFrame([(r, rule, fmt(a, f.currency)) for r, rule, a in reasons],
                                   columns=["Reason", "Rule", "Amount"]), hide_index=True, width="stretch")
