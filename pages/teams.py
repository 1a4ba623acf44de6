"""Teams: a department's teams, then one team's trend, services, accounts, regions, rules, resources, lines,
and its Kubernetes namespaces.

Totals and the Services / Accounts / Regions / Rules tabs are sums of the period's cells, shown as money
strings that add up to the metric above them; downloads keep the Decimal amounts.
"""

import pandas as pd
import streamlit as st

from lib.config.versions import current_org
from lib.core.money import fmt
from lib.reports import drilldown, explain, spend, usage
from lib.web import charts, context, tables

ctx = context.context()
f = ctx.filters
org = current_org(ctx.store)
palette = context.palette(ctx.store)
departments = [d for d in org.departments if ctx.user.sees(d.id)]
st.title("Teams")
st.caption(f"{f.scope_text} · {context.METRIC_LABELS[f.metric]} cost · {f.currency}")
if not departments:
    st.info("You are not assigned to a department yet; ask an admin.")
    st.stop()

a, b = st.columns(2)
dept = a.selectbox("Department", departments, format_func=lambda d: d.name, key="t_dept")
teams = [t for t in org.teams if t.department == dept.id]
team = b.selectbox("Team", [None, *teams], format_func=lambda t: "All teams" if t is None else t.name, key="t_team")
scope = {"teams": [team.id]} if team else {"departments": [dept.id]}
args = (ctx.con, ctx.user, [f.month], f.metric, f.currency)

if team is None:
    rows = spend.breakdown(*args, "team", f.providers, **scope)
    frame = pd.DataFrame(rows, columns=["team", "amount"])
    st.metric(f"{dept.name}, {f.month}", fmt(sum(frame.amount, 0), f.currency))
    st.plotly_chart(charts.bars(list(frame.team), list(frame.amount), f.currency, "team", palette), width="stretch")
    st.dataframe(tables.money(frame, ["amount"], f.currency), hide_index=True, width="stretch")
    context.csv_download(ctx, frame, f"{dept.id}-teams-{f.month}.csv")
    monthly = pd.DataFrame(spend.monthly(ctx.con, ctx.user, f.metric, f.currency, "team", f.providers, **scope),
                           columns=["period", "team", "amount"])
    st.subheader("Monthly trend")
    st.plotly_chart(charts.stacked(list(monthly.period), list(monthly.team), list(monthly.amount), f.currency, "team",
                                   palette), width="stretch")
    st.stop()

st.caption(f"Cost center {team.cost_center or '–'} · owners {', '.join(team.owners) or '–'}")
daily = spend.daily(ctx.con, ctx.user, [f.month], f.metric, f.currency, "service", f.providers, **scope)
total = spend.breakdown(*args, "team", f.providers, **scope)
st.metric(f"{team.name}, {f.month}", fmt(sum((a for _, a in total), 0), f.currency))
trend, services, accounts, regions, rules_tab, resources, lines, kubernetes = st.tabs(
    ["Trend", "Services", "Accounts", "Regions", "Rules", "Top resources", "Line items", "Kubernetes"])
with trend:
    st.plotly_chart(charts.stacked([r[0] for r in daily], [r[1] for r in daily], [r[2] for r in daily], f.currency),
                    width="stretch")
    monthly = spend.monthly(ctx.con, ctx.user, f.metric, f.currency, None, f.providers, **scope)
    st.plotly_chart(charts.stacked([r[0] for r in monthly], [team.id] * len(monthly), [r[2] for r in monthly],
                                   f.currency, "team", palette), width="stretch")
for tab, by in ((services, "service"), (accounts, "account"), (regions, "region")):
    with tab:
        frame = pd.DataFrame(spend.breakdown(*args, by, f.providers, **scope), columns=[by, "amount"])
        st.dataframe(tables.money(frame, ["amount"], f.currency), hide_index=True, width="stretch")
        context.csv_download(ctx, frame, f"{team.id}-{by}-{f.month}.csv")
with rules_tab:
    rows = explain.by_rule(ctx.con, ctx.user, f.month, team.id, f.metric)
    frame = pd.DataFrame(explain.with_usage(ctx.store, ctx.con, ctx.user, f.month, team.id, rows),
                         columns=["rule", "version", "reason", "share", "currency", "amount", "charges", "usage"])
    st.dataframe(tables.money(frame[frame.currency == f.currency], ["amount"], f.currency), hide_index=True,
                 width="stretch")
with resources:
    frame = drilldown.top_resources(ctx.store, ctx.con, ctx.user, f.month, team.id, f.metric, f.currency)
    st.dataframe(tables.money(frame, ["amount"], f.currency), hide_index=True, width="stretch")
    context.csv_download(ctx, frame, f"{team.id}-resources-{f.month}.csv")
with lines:
    service = st.selectbox("Service", [None, *sorted({r[1] for r in daily})], key="t_service",
                           format_func=lambda s: "All services" if s is None else s)
    frame = drilldown.line_items(ctx.store, ctx.con, ctx.user, f.month, team.id, f.metric, f.currency, service)
    st.dataframe(tables.money(frame, ["amount"], f.currency), hide_index=True, width="stretch")
    context.csv_download(ctx, frame, f"{team.id}-lines-{f.month}.csv")
with kubernetes:
    frame = usage.namespaces(ctx.store, ctx.con, ctx.user, f.month, team.id, f.metric, f.currency)
    if frame.empty:
        st.info("No usage split gives this team a share of a Kubernetes cluster this month.")
    else:
        st.caption("The team's namespaces in the shared clusters its usage-split rules weigh by. Cost is its share "
                   "of the billed cluster cost by those weights; OpenCost's own estimate (list prices) is beside "
                   "it. Efficiency = used / requested.")
        st.dataframe(frame, hide_index=True, width="stretch")
        context.csv_download(ctx, frame, f"{team.id}-kubernetes-{f.month}.csv")
