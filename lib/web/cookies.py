"""The login cookie, written by a script on the page instead of a custom component.

streamlit-authenticator sets and deletes its cookie through a component that reports back to the
server when it is done, and every report is a rerun: after Login the Overview ran two or three times
(the first run thrown away half done). PageCookies does the same writes with `st.html` scripts, which
report nothing. Reading the cookie stays the authenticator's (from `st.context.cookies`).

>>> print(cookie_script("costbook_session", "a.b.c", datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc), False))
<script>document.cookie = "costbook_session=a.b.c; expires=Wed, 02 Jan 2030 03:04:05 GMT; path=/; SameSite=Strict";</script>
"""

import json
from datetime import datetime, timezone
from email.utils import format_datetime
from urllib.parse import quote

import streamlit as st

EXPIRED = datetime(1970, 1, 1, tzinfo=timezone.utc)
PENDING = "_costbook_cookie_script"


def cookie_script(name: str, value: str, expires: datetime, secure: bool) -> str:
    """A script that sets cookie `name` for the whole site (strict same-site; Secure over https)."""
    text = (f"{quote(name, safe='')}={quote(value, safe='')}; expires={format_datetime(expires.astimezone(timezone.utc), usegmt=True)}"
            f"; path=/; SameSite=Strict{'; Secure' if secure else ''}")
    return f"<script>document.cookie = {json.dumps(text)};</script>"


def _secure() -> bool:
    try:
        return str(st.context.url or "").startswith("https:")
    except (AttributeError, RuntimeError):
        return False


class PageCookies:
    """Stands in for the authenticator's cookie manager (the two calls it makes: set and delete). Both are
    called in a run that ends in st.rerun(), so the script waits for the next run: `flush()` draws it."""

    def set(self, cookie: str, val: str, expires_at: datetime | None = None, secure: bool | None = None,
            **_options) -> None:
        """Always SameSite=Strict; Secure as asked (lib.web.auth asks for it unless configured off), else on https."""
        expires = (expires_at or datetime.now()).astimezone(timezone.utc)
        st.session_state[PENDING] = cookie_script(cookie, str(val), expires, _secure() if secure is None else secure)

    def delete(self, cookie: str, **_options) -> None:
        st.session_state[PENDING] = cookie_script(cookie, "", EXPIRED, _secure())


def flush() -> None:
    """Draw the cookie write waiting from the run before, if any (early in the run, so it reaches the page)."""
    script = st.session_state.pop(PENDING, None)
    if script:
        st.html(script, unsafe_allow_javascript=True)
