"""The app's shell: the first-start demo, the login gate, the shared sidebar and the role's navigation.

app.py calls `run()`; the tests' app (tests/access_app.py) calls `run(page_root=...)` so that
AppTest drives exactly this code. Before login no page is listed or reachable, also while the
demo company is being built; after login only the pages of the user's role are.
"""

import os
from pathlib import Path

import streamlit as st

from lib.core import access
from lib.store import crypto
from lib.store.state import is_empty
from lib.web import auth, context, nav

HIDDEN = "hidden"


def _no_pages() -> None:
    """Register a hidden one-page navigation: Streamlit then lists and serves nothing from pages/."""
    st.navigation([st.Page(lambda: None, title="Log in", url_path="login")], position=HIDDEN)


def _first_start(store) -> None:
    from lib.demo import build  # only on an empty store: the generator is not needed otherwise

    _no_pages()
    with st.status("Building the demo company on first start…", expanded=True) as status:
        build.build(store, progress=context.progress_bar())
        status.update(label="Demo company ready", state="complete")
    st.rerun()


def visible_pages(user: access.User, has_data: bool) -> dict[str, list[nav.Page]]:
    """The role's pages by section; pages that show spend wait until there is billing data."""
    sections: dict[str, list[nav.Page]] = {}
    for page in nav.pages_for(access.permissions(user)):
        if has_data or not page.needs_data:
            sections.setdefault(page.section, []).append(page)
    return sections


def navigation(user: access.User, has_data: bool, page_root: Path | None = None) -> dict[str, list]:
    """visible_pages as st.Page objects for st.navigation."""
    return {section: [st.Page(str(page_root / p.path) if page_root else p.path, title=p.title, icon=p.icon)
                      for p in pages] for section, pages in visible_pages(user, has_data).items()}


def run(page_root: Path | None = None, demo: bool | None = None) -> None:
    """The whole entry script. `page_root`: register pages by absolute path (AppTest); `demo`: build the
    demo company on an empty store (default: unless COSTBOOK_NO_DEMO=1)."""
    try:
        store = context.store()
    except crypto.DataKeyError as exc:  # a missing or wrong data key: say which setting, show no data
        _no_pages()
        st.error(str(exc))
        st.stop()
    if demo is None:
        demo = os.environ.get("COSTBOOK_NO_DEMO") != "1"
    if demo and is_empty(store):
        _first_start(store)
    user = auth.login_gate(store)
    if user is None:
        _no_pages()
        st.stop()
    st.session_state["user"] = user
    with st.sidebar:
        st.markdown(f"**{user.name or user.username}** · {user.role.replace('_', ' ')}")
        auth.logout_button()
    auth.demo_banner(store)
    filters = context.sidebar_filters(context.cursor(), user)
    if filters is None:
        st.info("No billing data yet. An admin can import files or connect billing sources under Data sources.")
    st.session_state["filters"] = filters
    sections = navigation(user, filters is not None, page_root)
    if sections:
        st.navigation(sections).run()
