"""A copy of app.py's gate and navigation for AppTest, kept beside the tests.

AppTest treats an entry script that has a pages/ folder beside it as a v1 multipage app on
every run, so after the first page switch it runs the page alone, without the entry script.
This script sits in tests/ (no pages/ folder) and registers the real pages by absolute path,
so every AppTest run goes through the login gate and the role-based navigation like a browser does.
"""


import streamlit as st

from lib.core import access
from lib.web import auth, context, nav
from tests.paths import ROOT

store = context.store()
user = auth.login_gate(store)
if user is None:
    st.stop()
st.session_state["user"] = user
with st.sidebar:
    st.markdown(f"**{user.name or user.username}** · {user.role.replace('_', ' ')}")
    auth.logout_button()
auth.demo_banner(store)
st.session_state["filters"] = filters = context.sidebar_filters(context.cursor(), user)
pages = [st.Page(str(ROOT / p.path), title=p.title) for p in nav.pages_for(access.permissions(user))
         if filters is not None or p.permission != "view_spend"]
if pages:
    st.navigation(pages).run()
