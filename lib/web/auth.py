"""The login gate app.py runs first: password login (streamlit-authenticator) or single sign-on (st.login).

    user = auth.login_gate(store)      # renders the login form until someone is logged in
    if user is None:
        st.stop()

Passwords are checked against the bcrypt hashes in the users table; lockout (lib/people/logins.py)
is enforced before a password is even looked at. The role and departments are read from the
users table on every run, so disabling a user or changing a role takes effect at once.
Outside demo mode the gate refuses to start with a default cookie key or demo passwords.

The authenticator remembers a login in a cookie its JavaScript component sets: Secure and
SameSite=Strict here, but it cannot be HttpOnly. So the cookie only carries a server-side
session (lib/people/sessions.py): it logs in only while that session lives, and every run of an
open page checks it again, so logout, a password reset or disabling the account ends it at once.
"""

import time

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from lib.core import access
from lib.people import logins, sessions, sso, users
from lib.people.startup import cookie_key, demo_mode, session_hours, startup_problems
from lib.store import secret
from lib.store.state import Store, state
from lib.web import context, cookies, sso_gate

__all__ = ["demo_banner", "demo_mode", "login_gate", "logout_button", "startup_problems"]
COOKIE_NAME = "costbook_session"
LOGIN_AT = "_costbook_login_at"
ERROR = "_costbook_login_error"
AUTHENTICATOR = "_costbook_authenticator"
COOKIE_SLOT = "costbook-cookie-slot"
SESSION = "_costbook_session_token"


def client_address() -> str:
    """The address lockout counts under (lib.people.logins.client_address): what Streamlit sees,
    or behind a trusted proxy the hop that proxy saw; '' under AppTest, which has no client."""
    try:
        forwarded, peer = st.context.headers.get("X-Forwarded-For"), st.context.ip_address
    except (AttributeError, RuntimeError):
        return ""
    if peer is not None and not isinstance(peer, str):
        return ""
    return logins.client_address(peer, forwarded if isinstance(forwarded, str) else None, logins.trusted_proxies())


def credentials(store: Store) -> dict:
    """The authenticator's credentials: enabled users with a password (role and scope stay in the store)."""
    with state(store) as db:
        rows = db.execute("select username, name, email, password_hash from users "
                          "where disabled = 0 and password_hash is not null").fetchall()
    return {"usernames": {r[0]: {"name": r[1] or r[0], "email": r[2], "password": r[3]} for r in rows}}


def _guarded(store: Store, original):
    """Wrap the authenticator's login so lockout is checked first, every attempt is recorded, a password
    login starts a server-side session and a remembered cookie counts only while its session lives."""
    def login(username=None, password=None, *args, token=None, **kwargs):
        if token:
            if not sessions.valid(store, token.get("sid"), str(token.get("username") or "")):
                return False  # logged out, password changed, disabled or expired: the cookie is worth nothing
            ok = original(username, password, *args, token=token, **kwargs)  # returns None, sets the status
            if st.session_state.get("authentication_status"):
                st.session_state[LOGIN_AT], st.session_state[SESSION] = time.time(), token["sid"]
            return ok
        if not (username and password):
            return original(username, password, *args, token=token, **kwargs)
        name, client = username.lower().strip(), client_address()
        locked = logins.locked(store, name, client)
        if locked:
            logins.record_login(store, name, client, ok=False, reason="locked")
            st.session_state[ERROR], st.session_state["authentication_status"] = locked, False
            return False
        ok = original(username, password, *args, **kwargs)
        lock_message = logins.record_login(store, name, client, ok=bool(ok))
        if ok:
            st.session_state[LOGIN_AT] = time.time()
            st.session_state[SESSION] = sessions.start(store, st.session_state["username"], session_hours())
        else:
            st.session_state[ERROR] = lock_message or "Wrong username or password."
        return ok
    return login


def _authenticator(store: Store) -> stauth.Authenticate:
    """The session's authenticator, built on its first run (that run draws the library's cookie component;
    later runs do not, so it sends nothing back); the credentials are read from the store on every run."""
    authenticator = st.session_state.get(AUTHENTICATOR)
    if authenticator is None:
        authenticator = stauth.Authenticate(credentials(store), COOKIE_NAME, cookie_key(store), session_hours() / 24,
                                            auto_hash=False, login_sleep_time=0)
        authenticator.cookie_controller.cookie_model.cookie_manager = cookies.PageCookies()
        controller = authenticator.authentication_controller
        controller.login = _guarded(store, controller.login)
        _bind_cookie(authenticator.cookie_controller.cookie_model)
        st.session_state[AUTHENTICATOR] = authenticator
    else:
        authenticator.authentication_controller.authentication_model.credentials = credentials(store)
    return authenticator


def _bind_cookie(model) -> None:
    """The remembered-login cookie carries the session token, and is Secure and SameSite=Strict."""
    def encode() -> str:
        return jwt.encode({"username": st.session_state["username"], "exp_date": model.exp_date,
                           "sid": st.session_state.get(SESSION)}, model.cookie_key, algorithm="HS256")

    set_cookie = model.cookie_manager.set
    model._token_encode = encode
    model.cookie_manager.set = lambda name, value, **options: set_cookie(
        name, value, **options | {"secure": cookie_secure(), "same_site": "strict"})


def cookie_secure() -> bool:
    """Send the login cookie over HTTPS only; `[costbook] cookie_secure = false` for plain-HTTP trials."""
    return str(secret.value("cookie_secure") or "true").strip().lower() not in ("false", "0", "no")


def _end_session(message: str = "", store: Store | None = None) -> None:
    authenticator = st.session_state.get(AUTHENTICATOR)
    if store is not None:
        sessions.revoke(store, st.session_state.get(SESSION))
    if authenticator is not None and st.session_state.get("authentication_status"):
        authenticator.authentication_controller.logout()
        authenticator.cookie_controller.delete_cookie()
    for key in (LOGIN_AT, "user", SESSION):
        st.session_state.pop(key, None)
    if message:
        st.session_state[ERROR] = message


def _logged_in_user(store: Store) -> access.User | None:
    """The user of an authenticated session, or None after ending a stale or revoked session."""
    account = users.account(store, st.session_state.get("username") or "")
    if account is None or account.disabled:
        _end_session("This account is disabled. Ask an admin.")
        return None
    started = st.session_state.setdefault(LOGIN_AT, time.time())
    if time.time() - started > session_hours() * 3600:
        _end_session("Your session has expired. Please log in again.", store)
        return None
    if not sessions.valid(store, st.session_state.get(SESSION), account.username):
        _end_session("Your session has ended (logged out, password changed or expired). Please log in again.")
        return None
    return account.as_user()


def login_gate(store: Store) -> access.User | None:
    """Render the login (or the reason the app cannot start) and return the logged-in User, or None."""
    problems = startup_problems(store)
    if problems:
        st.error("Costbook will not start until this is fixed:\n\n" + "\n".join(f"- {p}" for p in problems))
        return None
    if sso.configured():
        return sso_gate.gate(store)
    # One slot for what the cookie needs (the library's component on a session's first run, a cookie write
    # after Login or Logout): the form below keeps its place, so no stale copy of it shows while a run redraws.
    with st.container(key=COOKIE_SLOT):
        authenticator = _authenticator(store)
        cookies.flush()
    if st.session_state.get("authentication_status"):
        user = _logged_in_user(store)
        if user is not None:
            return user
        st.rerun()
    if not st.session_state.get("authentication_status"):
        _login_form(store, authenticator)
    return None


def _login_form(store: Store, authenticator: stauth.Authenticate) -> None:
    st.title("Costbook")
    if demo_mode(store):
        st.info(f"**Demo mode.** Log in as `admin`, `finance`, `viewer` or `head-<department>` "
                f"(e.g. `head-engineering`) with the password `{users.DEMO_PASSWORD}`.")
    try:
        authenticator.login(location="main", key="costbook-login")
    except LoginError:
        _end_session()  # e.g. a remembered cookie of a user who was disabled since
    if st.session_state.get("authentication_status"):
        st.rerun()  # draw the app without the login form
    if st.session_state.get("authentication_status") is False:
        st.error(st.session_state.get(ERROR) or "Wrong username or password.")
    elif st.session_state.get(ERROR):
        st.warning(st.session_state.pop(ERROR))
    _warm_up_charts()


WARM_UP = "chart-warm-up"


def _warm_up_charts() -> None:
    """An empty chart drawn off screen on the login page: the browser fetches and compiles the charting
    code while the person types, not after Login (it was most of the wait for a drawn Overview)."""
    st.html(f"<style>.st-key-{WARM_UP} {{position: absolute; left: -10000px; width: 40px; overflow: hidden}}</style>")
    with st.container(key=WARM_UP):
        st.plotly_chart({"data": [{"type": "bar", "x": [1], "y": [1]}], "layout": {"height": 40}},
                        key=f"{WARM_UP}-figure", config={"staticPlot": True})


def logout_button() -> None:
    """A Log out button for the sidebar; ends the session, its cookie, and records the logout."""
    if sso.configured():
        if st.button("Log out", key="costbook-logout"):
            st.logout()
        return
    user = st.session_state.get("user")
    if st.button("Log out", key="costbook-logout") and user is not None:
        logins.record_logout(_store(), user)
        _end_session(store=_store())
        st.rerun()


def _store() -> Store:
    return context.store()


def demo_banner(store: Store) -> None:
    """A visible banner while the app runs in demo mode."""
    if demo_mode(store):
        st.warning("**Demo mode** — sample company and demo logins. Not for real billing data.",
                   icon=":material/science:")
