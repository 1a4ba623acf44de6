"""A copy of app.py's gate and navigation for AppTest, kept beside the tests.

AppTest treats an entry script that has a pages/ folder beside it as a v1 multipage app on
every run, so after the first page switch it runs the page alone, without the entry script.
This script sits in tests/ (no pages/ folder) and registers the real pages by absolute path,
so every AppTest run goes through the login gate and the role-based navigation like a browser does.
"""

from pathlib import Path

import streamlit as st

from lib import access, auth, nav, ui

ROOT = Path(__file__).resolve().parent.parent

store = ui.store()
user = auth.login_gate(store)
if user is None:
    st.stop()
st.session_state["user"] = user
with st.sidebar:
    st.markdown(f"**{user.name or user.username}** · {user.role.replace('_', ' ')}")
    auth.logout_button()
auth.demo_banner(store)
st.session_state["filters"] = filters = ui.sidebar_filters(ui.cursor(), user)
pages = [st.Page(str(ROOT / p.path), title=p.title) for p in nav.pages_for(access.permissions(user))
         if filters is not None or p.permission != "view_spend"]
if pages:
    st.navigation(pages).run()
