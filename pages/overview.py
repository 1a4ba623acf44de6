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
from lib.web import charts, context

ctx = context.context()
f = ctx.filters
o = overview(ctx.con, ctx.user, f.month, f.metric, f.currency, f.providers,
             fresh=freshness.complete_through(ctx.store, ctx.con), cal=calendar(ctx.store))
palette = context.palette(ctx.store)

st.title("Overview")
st.caption(f"Billing period {f.month} · {context.METRIC_LABELS[f.metric]} cost · {f.currency}")

change = o.total - o.previous_same_days
a, b, c, d = st.columns(4)
a.metric("This period", fmt(o.total, f.currency),
         delta=f"{fmt(change, f.currency)} vs same days" if o.previous_period else None,
         delta_color="inverse")
b.metric(f"Last period ({o.previous_period or '–'})", fmt(o.previous, f.currency))
if ctx.user.whole_org:  # Unallocated belongs to no department: only whole-org roles see it
    c.metric("Unallocated", fmt(o.unallocated, f.currency),
             delta=f"{(o.unallocated / o.total * 100 if o.total else 0):.1f}% of spend", delta_color="off")
else:
    c.metric("Departments", len(o.by_department))
if o.forecast:
    d.metric("Forecast for period end", fmt(o.forecast.total, f.currency),
             delta=f"range {fmt(o.forecast.low, f.currency)} – {fmt(o.forecast.high, f.currency)}", delta_color="off",
             help=f"Method: {o.forecast.method}")
else:
    d.metric("Departments", len(o.by_department[o.by_department.department != "Unallocated"]))

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

left, right = st.columns(2)
with left:
    st.subheader("Biggest movers")
    st.caption("Growth against the same days of the previous period")
    movers = o.movers.drop(columns=["previous"])
    st.dataframe(movers.assign(**{k: movers[k].map(lambda a: fmt(a, f.currency)) for k in ("current", "change")}),
                 hide_index=True, width="stretch")
with right:
    st.subheader("Unallocated share")
    st.plotly_chart(charts.line(list(o.unallocated_trend.period), list(o.unallocated_trend.share_pct), f.currency,
                                percent=True, colour=UNALLOCATED_COLOUR), width="stretch")
    reasons = unallocated_by_reason(ctx.con, ctx.user, f.month, f.metric, f.currency)
    if reasons:
        st.caption("Why spend is Unallocated this period: what to fix next")
        st.dataframe(pd.DataFrame([(r, rule, fmt(a, f.currency)) for r, rule, a in reasons],
                                  columns=["reason", "rule", "amount"]), hide_index=True, width="stretch")
