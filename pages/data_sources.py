"""Data sources (admin): billing sources (add, edit, test, remove), refresh, file upload, run history."""

import pandas as pd
import streamlit as st

from lib.people.startup import demo_mode
from lib.sources import imports, refresh, runs
from lib.sources.files import DATASET_FORMATS, FORMATS
from lib.sources.usage_files import FORMATS as USAGE_FORMATS
from lib.web import context, source_form
from lib.web.focus_download import focus_download

ctx = context.context()
st.title("Data sources")

sources, errors = refresh.load_sources(ctx.store)
for e in errors:
    st.error(e)
st.subheader("Sources")
st.dataframe(pd.DataFrame(runs.source_table(ctx.store, sources)).fillna("–"), hide_index=True, width="stretch")
with st.expander("Add, edit, test or remove a source", expanded=not sources, icon=":material/settings:"):
    st.caption("Saved in settings.yaml in the data folder. Secrets stay in secrets.toml or the environment.")
    source_form.editor(ctx, sources)

left, right = st.columns(2)
with left:
    st.subheader("Refresh")
    names = [s.name for s in sources]
    chosen = st.multiselect("Sources", names, default=names, disabled=not names)
    months = st.text_input("Billing periods", ", ".join(refresh.default_months()),
                           help="Comma-separated YYYY-MM; the current and previous month by default")
    if st.button("Refresh now", type="primary", disabled=not chosen):
        results = refresh.refresh(ctx.store, ctx.user, chosen, [m.strip() for m in months.split(",") if m.strip()],
                                  progress=context.progress_bar())
        for r in results:
            if r.ok and r.unchanged is not None:
                st.info(f"{r.source}: unchanged since run {r.unchanged}; nothing new to import")
            elif r.ok:
                st.success(f"{r.source}: {r.rows} rows for {', '.join(r.periods)}")
            else:
                st.error(f"{r.source}: failed, the previous data is still served")
                st.dataframe(source_form.problems_table(r.problems), hide_index=True, width="stretch")

with right:
    st.subheader("Upload")
    if demo_mode(ctx.store):
        st.caption("Importing a real bill ends demo mode: the app then refuses to start until the cookie key is "
                   "set and the demo logins are gone (`python -m lib demo --leave`, docs/security.md).")
    files = st.file_uploader("Billing or usage files (CSV, Parquet, OpenCost JSON)", type=["csv", "parquet", "json"],
                             accept_multiple_files=True)
    file_format = st.selectbox("Format", ["auto", *FORMATS, *DATASET_FORMATS, *USAGE_FORMATS])
    cluster = st.text_input("Cluster", help="The Kubernetes cluster of an OpenCost CSV export (it names none)")
    if st.button("Import", disabled=not files):
        result = imports.import_uploads(ctx.store, ctx.user, [(f.name, f.getvalue()) for f in files], file_format,
                                        cluster.strip() or None, context.progress_bar())
        if result.read_as:
            st.caption("Read " + "; ".join(result.read_as))
        if result.ok and result.unchanged is not None:
            st.info(f"Already imported (run {result.unchanged}): {', '.join(result.periods)} served from exactly "
                    "these files; nothing changed")
        elif result.ok:
            saved = [f"{n} {name} row(s)" for name, n in result.datasets.items()]
            st.success(f"Imported {result.rows} rows for {', '.join(result.periods) or 'no period'}"
                       + (f"; saved {', '.join(saved)}" if saved else ""))
            usage = runs.usage_totals(ctx.store, ctx.user, result.run_id)
            frame = (pd.DataFrame(usage, columns=["Period", "Metric", "Cluster", "Keys", "Days", "Rows"]) if usage else
                     source_form.totals_table(runs.period_totals(ctx.store, ctx.user, result.run_id)))
            st.dataframe(frame, hide_index=True, width="stretch")
        else:
            st.error(f"{len(result.problems)} problem(s); nothing was imported")
            st.dataframe(source_form.problems_table(result.problems), hide_index=True, width="stretch")

stale = imports.unpromoted(ctx.store)
if stale:
    st.subheader("Promoted tag columns")
    st.info(f"{len(stale)} lake partition(s) do not yet carry, as columns, every tag key the rules use "
            f"({', '.join(sorted({k for *_, keys in stale for k in keys.split(',')}))}). Allocation reads those "
            "tags from the JSON instead: same result, slower. Rewriting them keeps every charge and total.")
    if st.button("Rewrite them with the tag columns"):
        done = imports.promote_tags(ctx.store, ctx.user, context.progress_bar("Rewriting lake partitions…"))
        for r in done:
            if r.ok:
                st.success(f"Rewrote {r.rows} rows for {', '.join(r.periods)}")
            else:
                st.error("Rewriting failed; the previous files are still served")
                st.dataframe(source_form.problems_table(r.problems), hide_index=True, width="stretch")

focus_download(ctx, "sources_focus")

st.subheader("Run history")
st.dataframe(pd.DataFrame(runs.history_table(ctx.store, ctx.user)), hide_index=True, width="stretch")
