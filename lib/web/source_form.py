"""The Data sources page's editor: add, edit, test and remove a billing source (settings.yaml), and the
secrets it reads with whether each is set (never their values).

>>> editor(ctx, sources)        # doctest: +SKIP
"""

import pandas as pd
import streamlit as st

from lib.core.money import fmt
from lib.core.periods import shift
from lib.sources import source_settings as ss
from lib.sources.refresh import Source, default_months

NEW = "New source…"
FLASH, NEXT = "_sources_flash", "_sources_next"


def _params(kind: ss.Kind, current: dict, prefix: str) -> dict:
    values = {}
    columns = st.columns(2)
    for i, p in enumerate(kind.params):
        now = current.get(p.name)
        label = p.name + (" *" if p.required else "")
        with columns[i % 2]:
            if p.choices:
                shown = str(now).lower() if isinstance(now, bool) else (str(now) if now is not None else p.choices[0])
                options = list(p.choices) if shown in p.choices else [*p.choices, shown]
                values[p.name] = st.selectbox(label, options, index=options.index(shown), help=p.help or None,
                                              key=f"{prefix}{p.name}")
            else:
                values[p.name] = st.text_input(label, "" if now is None else str(now), help=p.help or None,
                                               key=f"{prefix}{p.name}").strip()
    return values


def _secrets(src: Source) -> None:
    rows = ss.secret_status(src)
    if not rows:
        st.caption("This kind reads no secrets.")
        return
    st.markdown("**Secrets this source reads** (values are never shown here)")
    st.dataframe(pd.DataFrame([(r.name, r.where, "set" if r.set else "not set") for r in rows],
                              columns=["Name", "Where", "Status"]), hide_index=True, width="stretch")
    st.caption("Put them in `.streamlit/secrets.toml` or the environment. Without them the provider's own "
               "chain is used (AWS profiles and roles, Azure managed identity or CLI, Google application "
               "default credentials).")


def _test(ctx, src: Source, prefix: str) -> None:
    latest = default_months()[-1]
    months = [shift(latest, -i) for i in range(13)]
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    month = left.selectbox("Month to test with", months, index=1, key=f"{prefix}month",
                           help="The test fetches this month as a refresh would, and loads nothing")
    if right.button("Test connection", icon=":material/lan:", key=f"{prefix}test"):
        with st.spinner(f"Fetching {month} from {src.name or 'the source'}…"):
            result = ss.probe(ctx.store, ctx.user, src, month)
        if result.ok:
            st.success("Reached it:\n\n" + "\n".join(f"- {line}" for line in result.lines))
        else:
            st.error("Could not read it:\n\n" + "\n".join(f"- {p.reason}" for p in result.problems))


def _flash() -> None:
    if FLASH in st.session_state:
        st.success(st.session_state.pop(FLASH))


def editor(ctx, sources: list[Source]) -> None:
    """Pick a source (or a new one), edit its kind and params, see its secrets, test, save or remove it."""
    _flash()
    if NEXT in st.session_state:  # a source just saved or removed: show that one next
        st.session_state["src_chosen"] = st.session_state.pop(NEXT)
    names = [s.name for s in sources]
    chosen = st.selectbox("Source", [NEW, *names], key="src_chosen")
    current = next((s for s in sources if s.name == chosen), Source("", "aws", "cost-explorer"))
    prefix = f"src_{chosen}_"
    kinds = list(ss.KINDS)
    a, b = st.columns(2)
    name = a.text_input("Name *", current.name, key=f"{prefix}name", help="Unique; the lake's source name")
    kind = b.selectbox("Kind", kinds, index=kinds.index(current.kind) if current.kind in kinds else 0,
                       format_func=lambda k: ss.KINDS[k].label, key=f"{prefix}kind")
    src = Source(name.strip(), ss.KINDS[kind].provider, kind,
                 _params(ss.KINDS[kind], current.params if kind == current.kind else {}, f"{prefix}{kind}_"))
    _secrets(src)
    _test(ctx, src, prefix)
    save, remove = st.columns([1, 3])
    if save.button("Save source", type="primary", key=f"{prefix}save"):
        problems = ss.save_source(ctx.store, ctx.user, src, None if chosen == NEW else chosen)
        if problems:
            st.error("Nothing was saved:\n\n" + "\n".join(f"- {p}" for p in problems))
        else:
            st.session_state[FLASH] = f"Saved {src.name} in settings.yaml."
            st.session_state[NEXT] = src.name
            st.rerun()
    if chosen != NEW and remove.button(f"Remove {chosen}", icon=":material/delete:", key=f"{prefix}remove",
                                       help="Its data and run history stay; refreshes stop"):
        problems = ss.remove_source(ctx.store, ctx.user, chosen)
        if problems:
            st.error("\n".join(problems))
        else:
            st.session_state[FLASH] = f"Removed {chosen} from settings.yaml."
            st.session_state[NEXT] = NEW
            st.rerun()


def problems_table(problems) -> pd.DataFrame:
    """Problems (file, row, column, reason) as a table with readable headers."""
    return pd.DataFrame([(p.file, p.row, p.column, p.reason) for p in problems],
                        columns=["File", "Row", "Column", "Reason"])


def totals_table(rows) -> pd.DataFrame:
    """(period, currency, billed, effective) rows in money."""
    return pd.DataFrame([(p, c, fmt(b, c), fmt(e, c)) for p, c, b, e in rows],
                        columns=["Period", "Currency", "Billed", "Effective"])
