"""The FOCUS export of the month in focus, as a download (finance and admins; the CLI's `export focus`).

The file is made when the button is clicked (lib.reports.focus_export.download), not on every rerun,
and lib checks the permission and records the export in the audit trail.
"""

import streamlit as st

from lib.core import access
from lib.reports import focus_export

MIME = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}


def focus_download(ctx, key: str = "focus") -> None:
    """Version, format and allocated choices and the download button; nothing for users who may not export the bill."""
    if ctx.filters is None or not access.can(ctx.user, "export_focus") or ctx.user.scope is not None:
        return
    month = ctx.filters.month
    st.subheader("FOCUS export")
    st.caption(f"Billing period {month} for other FinOps tools: the normalized charges, or the allocated bill "
               "with one row per team share (rule and ratio in the FOCUS 1.3 allocation columns).")
    version_col, format_col, allocated_col, button_col = st.columns([1, 1, 1, 2], vertical_alignment="bottom")
    version = version_col.selectbox("FOCUS version", focus_export.VERSIONS, index=1, key=f"{key}_version")
    fmt = format_col.selectbox("Format", ("parquet", "csv"), key=f"{key}_format")
    allocated = allocated_col.toggle("Allocated", value=True, key=f"{key}_allocated")
    store, con, user = ctx.store, ctx.con, ctx.user

    def make() -> bytes:
        data, problems = focus_export.download(store, con.cursor(), user, month, version, fmt, allocated)
        return data if data is not None else "\n".join(problems).encode()

    button_col.download_button("Download FOCUS", make, file_name=focus_export.file_name(month, version, fmt, allocated),
                               mime=MIME[fmt], on_click="ignore", icon=":material/download:", key=f"{key}_download")
