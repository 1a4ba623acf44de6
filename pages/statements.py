"""Statements: each team's chargeback statement for the period (PDF, CSV), the ZIP of all, the journal."""

import pandas as pd
import streamlit as st

from lib.config.versions import current_org
from lib.core.exports import to_csv_bytes
from lib.core.money import fmt
from lib.month_end import closes, journal, statement_files, statements
from lib.web import context
from lib.web.focus_download import focus_download

ctx = context.context()
f = ctx.filters
st.title("Statements")
closed = closes.current_close(ctx.store, f.month)
st.caption(f"{f.scope_text} · {context.METRIC_LABELS[f.metric]} cost · "
           + (f"closed (issue {closed.issue}): final statements, frozen at close" if closed
              else "open: statements are drafts until the month is closed"))

rows = statements.summary(ctx.store, ctx.con, ctx.user, f.month, f.metric)
if not rows:
    st.info(f"No team you can see has charges in {f.month}.")
    st.stop()

departments = {d.id: d.name for d in current_org(ctx.store).departments}
st.dataframe(pd.DataFrame([(r["name"], departments.get(r["department"], r["department"]), r["currency"],
                            fmt(r["total"], r["currency"]), fmt(r["amount_charged"], r["currency"])) for r in rows],
                          columns=["Team", "Department", "Currency", "Charges this period", "Amount charged"]),
             hide_index=True, width="stretch")

left, right = st.columns(2)
left.download_button("All statements (ZIP)", statement_files.deferred(ctx.store, ctx.con, ctx.user, f.month, "zip",
                                                                     metric=f.metric),
                     file_name=f"statements-{f.month}.zip", mime="application/zip", icon=":material/folder_zip:",
                     on_click="ignore", key="zip")
lines, problems = journal.journal(ctx.store, ctx.con, ctx.user, f.month, f.metric)
if not problems:
    frame = pd.DataFrame(journal.as_rows(lines), columns=journal.HEADER)
    right.download_button("Journal (CSV)", to_csv_bytes(frame),
                          file_name=f"journal-{f.month}.csv", mime="text/csv", icon=":material/account_balance:",
                          on_click=journal.record_download, args=(ctx.store, ctx.user, f.month, len(lines)),
                          key="journal")
focus_download(ctx)

st.subheader("Per team")
for team in dict.fromkeys(r["team"] for r in rows):
    name = next(r["name"] for r in rows if r["team"] == team)
    label, pdf, csv = st.columns([4, 1, 1], vertical_alignment="center")
    label.markdown(f"**{name}** · `{team}`")
    for col, kind, mime in ((pdf, "pdf", "application/pdf"), (csv, "csv", "text/csv")):
        col.download_button(kind.upper(), statement_files.deferred(ctx.store, ctx.con, ctx.user, f.month, kind,
                                                                    team, f.metric),
                            file_name=statement_files.file_name(team, f.month, kind), mime=mime,
                            key=f"{kind}_{team}", on_click="ignore", icon=":material/download:")
