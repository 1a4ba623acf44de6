"""What every page needs, set up once by app.py: the store, a DuckDB cursor, the user, the filters.

A page starts with ``ctx = context.context()`` and passes ctx.con, ctx.user and ctx.filters to lib
functions. Nothing here draws except the small shared widgets at the bottom.

The login page needs only the store: DuckDB, Arrow and the report modules are imported by the
functions that use them, so a fresh server shows the login form without loading them.
"""

import inspect
import threading
from dataclasses import dataclass
from datetime import date

import streamlit as st

from lib.core import access
from lib.core.access import User
from lib.core.exports import to_csv_bytes
from lib.reports.through import data_through, day_text, default_period, through_text
from lib.store import audit
from lib.store.state import Store, default_data_dir, open_store
from lib.web import nav


@dataclass(frozen=True)
class Filters:
    month: str  # 'YYYY-MM', the billing period in focus
    months: tuple[str, ...]  # every period with data, oldest first
    providers: tuple[str, ...]  # empty = all providers
    metric: str  # 'effective' | 'billed' | 'list'
    currency: str  # a billing currency; never summed across
    reporting: str | None = None  # a reporting currency to show converted totals in (None: billed as is)
    through: date | None = None  # the last day with data (lib.reports.through), the same on every page

    @property
    def scope_text(self) -> str:
        """'Billing period 2026-12 · month to date: data through 9 Dec 2026 (9 of 31 days)'."""
        return f"Billing period {self.month} · {through_text(self.month, self.through)}"


@dataclass(frozen=True)
class Context:
    store: Store
    con: object  # a DuckDB cursor for this session
    user: User
    filters: Filters


@st.cache_resource
def shared_store(data_dir: str) -> Store:
    return open_store(data_dir)


@st.cache_resource
def shared_duck(data_dir: str):
    """One DuckDB connection per process, and the lock its views are rebuilt under; sessions use cursors."""
    from lib.store.lake import new_duck

    return new_duck(), threading.Lock()


def store() -> Store:
    return shared_store(str(default_data_dir()))


def cursor():
    """This session's cursor, with the `charges` and `allocated` views up to date."""
    from lib.allocation import cache
    from lib.store.lake import engine

    s = store()
    con, lock = shared_duck(str(s.data_dir))
    with lock:  # sessions run in threads: one rebuilds the views while the others wait
        engine(s, con)  # rebuilds the charges view when the data version moved
        cache.refresh_view(s, con)  # and the allocated view when data, rules or org moved
    return con.cursor()


def allocation_problems() -> list[str]:
    """Periods missing from the allocated view and why (a stored org or rules version that no longer parses)."""
    from lib.allocation import cache

    s = store()
    con, lock = shared_duck(str(s.data_dir))
    with lock:
        return cache.problems(con)


def context() -> Context:
    """The page's context; stops the page unless the user's role grants the page's permission."""
    user = st.session_state.get("user")
    page = nav.page_at(inspect.stack()[1].filename)
    if user is None:
        st.info("Please [log in](/) first.")
        st.stop()
    if page is None or not access.can(user, page.permission):
        st.error("You do not have access to this page.")
        st.stop()
    con = cursor()
    if page.needs_data or page.permission == "edit_config":  # spend pages, and where the cause is fixed
        for problem in allocation_problems():
            st.error(f"{problem}. Fix the organization or the rules; until then this period is not shown.",
                     icon=":material/error:")
    return Context(store(), con, user, st.session_state.get("filters"))


def palette(s: Store):
    """The names and colours of the current org's teams and departments, for charts."""
    from lib.config.versions import current_org
    from lib.reports.palette import Palette

    return Palette.of(current_org(s))


METRIC_LABELS = {"effective": "Effective (amortized)", "billed": "Billed (cash)", "list": "List (on-demand)"}


def sidebar_filters(con, user: User) -> Filters | None:
    """The filters every page shares, drawn in the sidebar; None when there is no data yet."""
    from lib.reports import spend
    from lib.reports.reporting_currency import reporting_currencies

    months = tuple(spend.periods(con))
    if not months:
        return None
    through = data_through(con)
    opening = default_period(list(months), through)
    with st.sidebar:
        month = st.selectbox("Billing period", months[::-1], index=months[::-1].index(opening), key="f_month",
                             help="Opens on the newest month once it has a week of data, else on the month before")
        st.caption(f"Data through **{day_text(through)}**" if through else "")
        metric = st.radio("Cost basis", list(METRIC_LABELS), format_func=METRIC_LABELS.get, key="f_metric",
                          help="Effective spreads commitment purchases over the usage they cover; "
                               "billed is what the invoice says. They are never added together.")
        currencies = spend.currencies(con, user) or ["USD"]
        currency = st.selectbox("Currency", currencies, key="f_currency",
                                help="Amounts in different billing currencies are never summed.")
        providers = st.multiselect("Providers", spend.providers(con), key="f_providers", placeholder="All providers")
        offered = reporting_currencies(store())
        reporting = st.selectbox("Reporting currency", offered, index=None, key="f_reporting",
                                 placeholder="None (billed currencies only)",
                                 help="Also show totals converted at the loaded monthly rates; converted "
                                      "amounts are marked and never replace the billed ones.") if offered else None
    return Filters(month, months, tuple(providers), metric, currency, reporting, through)


def progress_bar(text: str = "Starting…"):
    """A Streamlit progress bar, and the lib.core.progress callback that moves it."""
    bar = st.progress(0.0, text=text)
    return lambda fraction, message: bar.progress(min(max(fraction, 0.0), 1.0), text=message)


def csv_download(ctx: Context, frame, name: str, label: str = "Download CSV") -> None:
    """A download button for a table (only for users who may export); every download is audited."""
    if not access.can(ctx.user, "export"):
        return
    st.download_button(label, to_csv_bytes(frame), file_name=name, mime="text/csv", key=f"dl_{name}",
                       on_click=audit.record, args=(ctx.store, ctx.user, "export.download", name,
                                                     {"rows": len(frame), "scope": sorted(ctx.user.scope or [])}))
