"""Costbook: the entry script. Login gate, first-start demo, shared sidebar filters, role-based navigation."""

import os

import streamlit as st

from lib.core import access
from lib.store import crypto
from lib.store.state import is_empty
from lib.web import auth, context, nav

st.set_page_config(page_title="Costbook", page_icon=":material/account_balance:", layout="wide")

try:
    store = context.store()
except crypto.DataKeyError as exc:  # a missing or wrong data key: say which setting, show no data
    st.error(str(exc))
    st.stop()
if is_empty(store) and os.environ.get("COSTBOOK_NO_DEMO") != "1":
    from lib.demo import build

    with st.status("Building the demo company on first start…", expanded=True) as status:
        bar = st.progress(0.0)
        build.build(store, progress=lambda fraction, message: bar.progress(min(fraction, 1.0), text=message))
        status.update(label="Demo company ready", state="complete")
    st.rerun()

user = auth.login_gate(store)
if user is None:
    # Registering a (hidden) navigation switches Streamlit off the pages/ folder: before login
    # no page is listed or reachable; after login only the role's pages are.
    st.navigation([st.Page(lambda: None, title="Log in", url_path="login")], position="hidden")
    st.stop()
st.session_state["user"] = user

with st.sidebar:
    st.markdown(f"**{user.name or user.username}** · {user.role.replace('_', ' ')}")
    auth.logout_button()
auth.demo_banner(store)

con = context.cursor()
filters = context.sidebar_filters(con, user)
if filters is None:
    st.info("No billing data yet. An admin can import files or connect billing sources under Data sources.")
st.session_state["filters"] = filters

sections: dict[str, list] = {}
for page in nav.pages_for(access.permissions(user)):
    if filters is None and page.needs_data:
        continue
    sections.setdefault(page.section, []).append(st.Page(page.path, title=page.title, icon=page.icon))
if sections:
    st.navigation(sections).run()
