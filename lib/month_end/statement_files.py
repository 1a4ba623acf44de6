"""Statement files: one team's PDF or CSV, a period's ZIP, and the frozen copies a month close keeps.

A closed period's statements are served from the files frozen at close (checked against
their hashes), byte for byte; an open period's are built from the current data. Every
export is recorded in the audit trail.

>>> data, problems = export(store, con, user, "web", "2026-10", "pdf")      # doctest: +SKIP
"""

import hashlib
import io
import os
import pickle
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lib.core import access
from lib.core.ids import file_part
from lib.core.periods import period_problem
from lib.core.progress import Progress, each, portion
from lib.month_end import closes, statement_csv, statement_pdf, statements
from lib.month_end.statement_records import Statement
from lib.store import audit, crypto
from lib.store.state import Store

FORMATS = {"pdf": statement_pdf.render, "csv": statement_csv.render}
PER_WORKER = 20  # fewer statements than this per core are drawn in this process (a worker takes ~2 s to start)


def build_file(store: Store, con, user: access.User, team: str, period: str, fmt: str,
               metric: str = "effective") -> tuple[bytes | None, list[str]]:
    """The statement file of a team; frozen bytes when the period is closed on this cost basis."""
    access.require(user, "export")
    if fmt not in FORMATS:
        return None, [f"unknown format {fmt!r}; use pdf or csv"]
    st, problems = statements.build(store, con, user, team, period, metric)
    if problems:
        return None, problems
    record = closes.current_close(store, period)
    if record is not None and record.metric == metric:
        frozen = closes.stored_statement(store, period, team, fmt)
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


def render_all(sts: list[Statement], fmt: str, per_worker: int = PER_WORKER,
               progress: Progress | None = None) -> list[bytes]:
    """Each statement rendered in fmt, in order; PDFs are drawn by one worker process per core.

    A PDF takes about a third of a second of pure Python, so a month's 200 statements are
    spread over the cores. A worker is a fresh `python -m lib.month_end.statement_pdf` reading pickled
    statements on stdin: not multiprocessing, whose spawned children re-run the parent's
    __main__, which under Streamlit is the page script.
    """
    workers = min(os.cpu_count() or 1, len(sts) // per_worker)
    if fmt != "pdf" or workers < 2:
        done = each(progress, len(sts))
        out = []
        for i, st in enumerate(sts):
            out.append(FORMATS[fmt](st))
            done(i, f"{fmt.upper()} {i + 1} of {len(sts)}: {st.subject_name}")
        return out
    shares = [sts[i::workers] for i in range(workers)]
    root = Path(__file__).resolve().parents[2]
    procs = [subprocess.Popen([sys.executable, "-m", "lib.month_end.statement_pdf"], cwd=root, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in shares]
    finished = each(progress, workers)
    counter = iter(range(workers))

    def draw(ps):
        out = ps[0].communicate(pickle.dumps(ps[1]))
        i = next(counter)  # workers finish in any order: the bar counts them
        finished(i, f"PDF worker {i + 1} of {workers} done ({len(ps[1])} statements)")
        return out

    with ThreadPoolExecutor(workers) as pool:
        outputs = list(pool.map(draw, zip(procs, shares)))
    for proc, (_, err) in zip(procs, outputs):
        if proc.returncode != 0:
            raise RuntimeError(f"a statement PDF worker failed: {err.decode(errors='replace').strip()[-500:]}")
    drawn = [pickle.loads(out) for out, _ in outputs]
    return [drawn[i % workers][i // workers] for i in range(len(sts))]


def period_files(store: Store, con, user: access.User, period: str, formats: tuple[str, ...], metric: str,
                 closing: bool = False, progress: Progress | None = None
                 ) -> tuple[list[tuple[Statement, dict[str, bytes]]], list[str]]:
    """Every visible team's statement with its files {format: bytes} (frozen copies when the period is closed)."""
    portion(progress, 0, 0.1)(0, f"building the statements of {period}")
    sts, problems = statements.build_all(store, con, user, period, metric, closing=closing)
    if problems:
        return [], problems
    record = None if closing else closes.current_close(store, period)
    frozen = record is not None and record.metric == metric
    files: list[dict[str, bytes]] = [{} for _ in sts]
    for n, fmt in enumerate(formats):
        stored = [closes.stored_statement(store, period, st.subject, fmt) if frozen else None for st in sts]
        todo = [i for i, data in enumerate(stored) if data is None]
        share = portion(progress, 0.1 + 0.9 * n / len(formats), 0.1 + 0.9 * (n + 1) / len(formats))
        made = dict(zip(todo, render_all([sts[i] for i in todo], fmt, progress=share)))
        for i, data in enumerate(stored):
            files[i][fmt] = data if data is not None else made[i]
    return list(zip(sts, files)), []


def file_name(team: str, period: str, fmt: str) -> str:
    """A statement's file (and ZIP entry) name: org ids are already safe, file_part keeps it so regardless."""
    return f"statement-{file_part(period)}-{file_part(team)}.{file_part(fmt)}"


def zip_period(store: Store, con, user: access.User, period: str, metric: str = "effective",
               formats: tuple[str, ...] = ("pdf", "csv"), progress: Progress | None = None) -> tuple[bytes | None, list[str]]:
    """Every visible team's statements for the period as one ZIP (audited once)."""
    access.require(user, "export")
    problem = period_problem(period)
    if problem:
        return None, [problem]
    built, problems = period_files(store, con, user, period, formats, metric, progress=progress)
    if problems or not built:
        return None, problems or [f"no charges for {period}"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for st, files in built:
            for fmt, data in files.items():
                info = zipfile.ZipInfo(file_name(st.subject, period, fmt),
                                       date_time=(int(period[:4]), int(period[5:]), 1, 0, 0, 0))
                zf.writestr(info, data, zipfile.ZIP_DEFLATED)
    data = buf.getvalue()
    audit.record(store, user, "statements.download", period,
                 {"teams": len(built), "formats": list(formats), "sha256": hashlib.sha256(data).hexdigest()})
    return data, []


def freeze(store: Store, con, period: str, issue: int, metric: str) -> list[tuple[str, str, str, str, str, str]]:
    """Write the final statements of every team with charges; [(team, number, format, path, sha256, content hash)]."""
    folder = closes.statement_dir(store, period, issue)
    folder.mkdir(parents=True, exist_ok=True)
    built, problems = period_files(store, con, access.CLI, period, tuple(FORMATS), metric, closing=True)
    if problems:
        raise ValueError("; ".join(problems))
    out = []
    for st, files in built:
        digest = statement_csv.content_hash(st)
        for fmt, data in files.items():
            path = folder / f"{file_part(st.number)}.{fmt}"
            path.write_bytes(crypto.seal(data))  # encrypted like the rest of the store when a data key is set
            out.append((st.subject, st.number, fmt, str(path.relative_to(store.data_dir)),
                        hashlib.sha256(data).hexdigest(), digest))
    return out
