"""Budgets: status of every budget in the period, a burn chart with forecast, comments, and the editor."""

import streamlit as st

from lib.budgets import budget
from lib.budgets.status import MONEY, budget_status, label, status_table
from lib.core import access
from lib.core.money import fmt
from lib.reports.through import through_text
from lib.web import charts_budget, context, tables

ctx = context.context()
f = ctx.filters
st.title("Budgets")
st.caption(f"Budgets covering {f.month} · {through_text(f.month, f.through)} · {context.METRIC_LABELS[f.metric]} cost · "
           "each in its own currency")

statuses = budget_status(ctx.store, ctx.con, ctx.user, f.metric, f.month)
if not statuses:
    st.info(f"No budget covers {f.month} yet." + (" Add some below." if access.can(ctx.user, "edit_config") else ""))
else:
    table = status_table(statuses)
    st.dataframe(tables.money(table, list(MONEY)), hide_index=True, width="stretch", column_config={
        "used_pct": st.column_config.ProgressColumn("used %", min_value=0, max_value=100, format="%.1f%%"),
        "forecast_pct": st.column_config.NumberColumn("forecast %", format="%.1f%%")})
    context.csv_download(ctx, table, f"budgets-{f.month}.csv")
    pick = st.selectbox("Burn chart for", range(len(statuses)), format_func=lambda i: label(statuses[i]))
    s, cur = statuses[pick], statuses[pick].budget.currency
    row = st.container(horizontal=True, gap="medium")  # wraps onto a second line on a narrow screen
    row.metric("Spent", fmt(s.actual, cur), f"{s.pct}% of {fmt(s.budget.amount, cur)}", "off", delta_arrow="off",
               width="content")
    row.metric("Forecast", fmt(s.forecast.total, cur), f"{s.forecast_pct}% of budget", "off", delta_arrow="off",
               help=f"Likely between {fmt(s.forecast.low, cur)} and {fmt(s.forecast.high, cur)}", width="content")
    row.metric("Burn rate", f"{fmt(s.burn_rate, cur)}/day", f"days settled to {s.as_of:%d %b}", "off",
               delta_arrow="off", width="content",
               help="Counted over the days every provider has delivered in full; newer charges are still arriving")
    row.metric("Projected overrun", str(s.overrun or "none"), s.state, "inverse" if s.overrun else "off",
               delta_arrow="off", width="content")
    colour = context.palette(ctx.store).colour(s.budget.scope, s.budget.owner)
    st.plotly_chart(charts_budget.burn(s, colour), width="stretch")
    st.caption(f"Forecast: {s.forecast.method}; the band is the spread of this series' own backtest errors.")

    st.subheader("Variance comments")
    for at, author, text in budget.comments(ctx.store, ctx.user, s.budget):
        st.markdown(f"**{author}** · {at}  \n{text}")
    if access.can(ctx.user, "triage") and (ctx.user.sees(s.department)):
        with st.form("comment", clear_on_submit=True):
            text = st.text_area("Explain the variance", placeholder="e.g. load test in week 3, one-off")
            if st.form_submit_button("Add comment") and text.strip():
                budget.add_comment(ctx.store, ctx.user, s.budget, text)
                st.rerun()

if access.can(ctx.user, "edit_config"):
    with st.expander("Edit budgets", expanded=not statuses):
        st.caption("Columns: scope (team|department), team, month (YYYY-MM, YYYY-Qn or FYYYYY), amount, currency, "
                   "thresholds and forecast_thresholds (percentages like 50|80|100).")
        frame = budget.budgets_frame(budget.list_budgets(ctx.store, ctx.user))
        edited = st.data_editor(frame, num_rows="dynamic", hide_index=True, width="stretch", key="editor")
        upload = st.file_uploader("…or load a CSV (rows replace budgets with the same team and period)", type="csv")
        if st.button("Save", type="primary"):
            text = upload.getvalue().decode("utf-8") if upload else edited.to_csv(index=False)
            count, problems = budget.load_budgets_csv(ctx.store, text, ctx.user, replace=upload is None)
            if problems:
                st.error("Nothing was saved:\n\n" + "\n".join(f"- {p}" for p in problems))
            else:
                st.session_state["budgets_saved"] = count
                st.rerun()
        if "budgets_saved" in st.session_state:
            st.success(f"Saved {st.session_state.pop('budgets_saved')} budget(s).")
