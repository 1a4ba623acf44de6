"""The login gate's single sign-on branch: Streamlit's st.login and st.user, with roles from lib.people.sso."""

import streamlit as st

from lib.config.versions import current_org
from lib.core import access
from lib.people import logins, users
from lib.people.sso import mapping, sso_user
from lib.store.state import Store

SEEN = "_costbook_sso_user"


def gate(store: Store) -> access.User | None:
    """The login gate's single sign-on branch."""
    if not st.user.is_logged_in:
        st.title("Costbook")
        st.button("Log in with single sign-on", on_click=st.login, type="primary")
        return None
    claims = st.user.to_dict()
    username = str(claims.get("email") or "").lower()
    known = {d.id for d in current_org(store).departments}
    user, problem = sso_user(claims, mapping(), known, users.account(store, username))
    if st.session_state.get(SEEN) != (username, problem is None):
        logins.record_login(store, username, "", ok=problem is None, method="sso", reason=problem or "")
        st.session_state[SEEN] = (username, problem is None)
    if problem:
        st.error(problem)
        st.button("Log out", on_click=st.logout)
    return user
