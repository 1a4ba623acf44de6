"""The ingest run log: every import and refresh is a run in `ingest_runs`, started before it reads
anything and finished ok or failed with its rows, periods, totals and (at most MAX_PROBLEMS) problems.

>>> run_id = start(store, "focus", "bill.csv", "cli")                                # doctest: +SKIP
>>> finish(store, run_id, "ok", rows=1000, periods=("2026-10",), started=t0)         # doctest: +SKIP
"""

import json
import time
from decimal import Decimal

from lib.store.state import Store, now_iso, state


def start(store: Store, source: str, label: str, actor: str) -> int:
    """A new run of `source` (its id)."""
    with state(store, write=True) as db:
        cur = db.execute("insert into ingest_runs (source, label, started_at, actor) values (?, ?, ?, ?)",
                         (source, label, now_iso(), actor))
        return cur.lastrowid


def finish(store, run_id, outcome, *, rows=0, periods=(), totals=None, problems=(), started, db=None, note=""):
    """Record how a run ended (`note` is appended to its label); in the caller's transaction when `db` is given."""
    def encode(value):
        return str(value) if isinstance(value, Decimal) else value

    values = (now_iso(), outcome, rows, ",".join(periods), json.dumps(totals or {}, default=encode),
              json.dumps([str(p) for p in problems]), round(time.time() - started, 3), note, run_id)
    sql = ("update ingest_runs set finished_at = ?, outcome = ?, rows = ?, periods = ?, totals = ?, problems = ?, "
           "duration_s = ?, label = label || ? where id = ?")
    if db is not None:
        db.execute(sql, values)
    else:
        with state(store, write=True) as own:
            own.execute(sql, values)
