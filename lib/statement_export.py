"""Statement files: one team's PDF or CSV, a period's ZIP, and the frozen copies a month close keeps.

A closed period's statements are served from the files frozen at close (checked against
their hashes), byte for byte; an open period's are built from the current data. Every
export is recorded in the audit trail.

>>> data, problems = export(store, con, user, "web", "2026-10", "pdf")      # doctest: +SKIP
"""

import hashlib
import io
import zipfile

from lib import access, audit, close_state, statement_csv, statement_pdf, statements
from lib.store import Store

FORMATS = {"pdf": statement_pdf.render, "csv": statement_csv.render}


def build_file(store: Store, con, user: access.User, team: str, period: str, fmt: str,
               metric: str = "effective") -> tuple[bytes | None, list[str]]:
    """The statement file of a team; frozen bytes when the period is closed on this cost basis."""
    access.require(user, "export")
    if fmt not in FORMATS:
        return None, [f"unknown format {fmt!r}; use pdf or csv"]
    st, problems = statements.build(store, con, user, team, period, metric)
    if problems:
        return None, problems
    record = close_state.current_close(store, period)
    if record is not None and record.metric == metric:
        frozen = close_state.stored_statement(store, period, team, fmt)
        if frozen is not None:
            return frozen, []
    return FORMATS[fmt](st), []


def export(store: Store, con, user: access.User, team: str, period: str, fmt: str,
           metric: str = "effective") -> tuple[bytes | None, list[str]]:
    """build_file, recorded in the audit trail as a statement download."""
    data, problems = build_file(store, con, user, team, period, fmt, metric)
    if data is not None:
        audit.record(store, user, "statement.download", f"{team} {period}",
                     {"format": fmt, "metric": metric, "sha256": hashlib.sha256(data).hexdigest()})
    return data, problems


def deferred(store: Store, con, user: access.User, period: str, fmt: str, team: str | None = None,
             metric: str = "effective"):
    """A no-argument function making one team's file (or, without a team, the period's ZIP) when called.

    Download buttons call it on click only, so a page with 200 teams renders no PDF up front.
    """
    def make() -> bytes:
        cursor = con.cursor()  # the click runs on another thread: it gets its own cursor
        if team is None:
            data, problems = zip_period(store, cursor, user, period, metric)
        else:
            data, problems = export(store, cursor, user, team, period, fmt, metric)
        return data if data is not None else "\n".join(problems).encode()
    return make


def _team_files(store, con, user, team, period, formats, metric) -> tuple[list[tuple[str, bytes]], list[str]]:
    """A team's files in several formats from one build (frozen copies when the period is closed)."""
    st, problems = statements.build(store, con, user, team, period, metric)
    if problems:
        return [], problems
    record = close_state.current_close(store, period)
    frozen = record is not None and record.metric == metric
    out = []
    for fmt in formats:
        data = close_state.stored_statement(store, period, team, fmt) if frozen else None
        out.append((fmt, data if data is not None else FORMATS[fmt](st)))
    return out, []


def file_name(team: str, period: str, fmt: str) -> str:
    return f"statement-{period}-{team}.{fmt}"


def zip_period(store: Store, con, user: access.User, period: str, metric: str = "effective",
               formats: tuple[str, ...] = ("pdf", "csv")) -> tuple[bytes | None, list[str]]:
    """Every visible team's statements for the period as one ZIP (audited once)."""
    access.require(user, "export")
    problem = statements.check_period(period)
    if problem:
        return None, [problem]
    teams = statements.teams_with_charges(store, con, user, period)
    if not teams:
        return None, [f"no charges for {period}"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for team in teams:
            files, problems = _team_files(store, con, user, team, period, formats, metric)
            if problems:
                return None, problems
            for fmt, data in files:
                info = zipfile.ZipInfo(file_name(team, period, fmt), date_time=(int(period[:4]), int(period[5:]), 1,
                                                                                 0, 0, 0))
                zf.writestr(info, data, zipfile.ZIP_DEFLATED)
    data = buf.getvalue()
    audit.record(store, user, "statements.download", period,
                 {"teams": len(teams), "formats": list(formats), "sha256": hashlib.sha256(data).hexdigest()})
    return data, []


def freeze(store: Store, con, period: str, issue: int, metric: str) -> list[tuple[str, str, str, str, str, str]]:
    """Write the final statements of every team with charges; [(team, number, format, path, sha256, content hash)]."""
    folder = close_state.statement_dir(store, period, issue)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for team in statements.teams_with_charges(store, con, access.CLI, period):
        st, problems = statements.build(store, con, access.CLI, team, period, metric, closing=True)
        if problems:
            raise ValueError("; ".join(problems))
        digest = statement_csv.content_hash(st)
        for fmt, render in FORMATS.items():
            data = render(st)
            path = folder / f"{st.number}.{fmt}"
            path.write_bytes(data)
            out.append((team, st.number, fmt, str(path.relative_to(store.data_dir)),
                        hashlib.sha256(data).hexdigest(), digest))
    return out
