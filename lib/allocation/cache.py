"""Allocation results cached per period as Parquet, and the `allocated` view over them.

The SQL that allocates is in engine.py; this module decides what to (re)compute.

A period's cache key is its lake files (charges and usage), its rules version, the org version
and the proportional basis: a refresh of one month or a rule change effective from a month
recomputes only the months it touches. A closed month reads its pinned inputs.
Beside each allocation its cells (lib.allocation.cells: the period rounded to cents once) are
cached, and the view `cells` reads them; a closed month reads the cells frozen at its close.

>>> allocated_view(store, con)          # doctest: +SKIP
'allocated'
>>> con.sql("select team, sum(effective) from allocated group by 1")   # doctest: +SKIP
>>> con.sql("select team, sum(effective) from cells group by 1")       # doctest: +SKIP
"""

import hashlib
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from lib.allocation import cells, engine, tables
from lib.config.org import parse_org
from lib.config.rules import parse_rules, tag_keys
from lib.config.versions import version_for_period
from lib.core import focus
from lib.core.progress import Progress, each
from lib.core.sql import literal_list
from lib.store import crypto, tags, usage
from lib.store.state import Store, now_iso, state


@dataclass(frozen=True)
class PeriodInputs:
    period: str
    files: tuple[str, ...]
    rules_version: int  # 0 = no rules yet
    rules_yaml: str
    org_version: int
    org_yaml: str
    basis: str
    usage_files: tuple[str, ...] = ()  # the period's usage (lib.store.usage), for usage splits


def proportional_basis(store: Store) -> str:
    with state(store) as db:
        row = db.execute("select value from settings where key = 'proportional_basis'").fetchone()
    return row[0] if row and row[0] in focus.METRICS else "effective"


def _org_version(db, version: int | None) -> tuple[int, str]:
    sql = "select id, yaml from org_versions " + ("where id = ?" if version else "order by id desc limit 1")
    row = db.execute(sql, (version,) if version else ()).fetchone()
    return (row[0], row[1]) if row else (0, "departments: []\nteams: []\n")


def inputs(store: Store, period: str) -> PeriodInputs:
    """What the allocation of a period reads: pinned if the month is closed, else the current state."""
    with state(store) as db:
        pin = db.execute("select file_ids, rules_version, org_version, usage_file_ids from period_pins "
                         "where period = ?", (period,)).fetchone()
        if pin:
            ids = [int(i) for i in pin[0].split(",") if i]
            marks = ",".join("?" * len(ids))
            files = [r[0] for r in db.execute(f"select path from lake_files where id in ({marks}) order by path", ids)]
            used = [int(i) for i in pin[3].split(",") if i]
            used_files = [r[0] for r in db.execute(f"select path from usage_files where id in "
                                                   f"({','.join('?' * len(used))}) order by path", used)]
            rv = db.execute("select id, yaml from rule_versions where id = ?", (pin[1],)).fetchone()
            org = _org_version(db, pin[2])
        else:
            files = [r[0] for r in db.execute("select path from lake_files where active = 1 and period = ? "
                                               "order by path", (period,))]
            used_files = [r[0] for r in db.execute("select path from usage_files where active = 1 and period = ? "
                                                    "order by path", (period,))]
            rv = version_for_period(store, period)
            rv = (rv.id, rv.yaml) if rv else None
            org = _org_version(db, None)
    return PeriodInputs(period, tuple(str(store.lake / f) for f in files), rv[0] if rv else 0,
                        rv[1] if rv else "rules: []\n", org[0], org[1], proportional_basis(store),
                        tuple(str(store.lake / f) for f in used_files))


def cache_key(inp: PeriodInputs) -> str:
    """Names the inputs, with lake paths relative to the lake so a copied data folder keeps its cache."""
    files = [f.split("/lake/", 1)[-1] for f in (*inp.files, *inp.usage_files)]
    text = "|".join([*files, f"r{inp.rules_version}", f"o{inp.org_version}", inp.basis, *engine.DIMS])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def parsed(inp: PeriodInputs):
    """(org, rules, problems) of a period's inputs; problems name the period and the stored version."""
    org, errors = parse_org(inp.org_yaml, f"org version {inp.org_version}")
    rules, rule_errors = parse_rules(inp.rules_yaml, org, f"rules version {inp.rules_version}") if org else (None, [])
    found = [f"{inp.period} cannot be allocated: {e}" for e in errors + rule_errors]
    return org, rules, found


def ensure_period(store: Store, con, period: str) -> tuple[str | None, list[str]]:
    """The Parquet file with the period's allocation, computing it if the cache has none.

    A stored org or rules version that no longer parses is a data problem, returned (with no file),
    never raised: a page shows it, the CLI prints it.
    """
    inp = inputs(store, period)
    key = cache_key(inp)
    with state(store) as db:
        row = db.execute("select path from allocation_cache where period = ? and cache_key = ?",
                         (period, key)).fetchone()
    if row and (store.lake / row[0]).exists():
        return str(store.lake / row[0]), []
    org, rules, problems = parsed(inp)
    if problems:
        return None, problems
    rel = f"derived/alloc/period={period}/{key}.parquet"
    out = store.lake / rel
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    tmp = unique_tmp(out)
    allocate_inputs(store, con, inp, rules, org, str(tmp))
    os.replace(tmp, out)
    with state(store, write=True) as db:
        db.execute("insert or replace into allocation_cache values (?, ?, ?, ?, ?)",
                   (period, key, rel, now_iso(), round(time.time() - started, 3)))
    return str(out), []


def ensure_cells(store: Store, period: str, alloc_path: str, con) -> str:
    """The Parquet file with the cells of a period's allocation: frozen at close, else computed once beside it."""
    with state(store) as db:
        row = db.execute("select cells from period_pins where period = ?", (period,)).fetchone()
    if row and row[0] and (store.data_dir / row[0]).exists():
        return str(store.data_dir / row[0])
    out = Path(alloc_path.replace("/derived/alloc/", "/derived/cells/"))
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = unique_tmp(out)
        cells.write(con, cells.lattice_sql(f"read_parquet({literal_list([alloc_path])}, {crypto.parquet_read_options()})"),
                    str(tmp))
        os.replace(tmp, out)
    return str(out)


def unique_tmp(out: Path) -> Path:
    """A temporary name beside `out` that no other process or thread writes (app and cron allocate at once)."""
    return out.with_name(f"{out.stem}.{os.getpid()}.{threading.get_ident()}.{uuid.uuid4().hex[:8]}.tmp")


def lake_for(store: Store, inp: PeriodInputs, rules) -> str:
    """SQL reading the period's lake files with the tag columns the rules read (lib.store.tags)."""
    return tags.source(store, list(inp.files), tag_keys(rules))


def usage_for(inp: PeriodInputs, rules) -> str:
    """SQL reading the period's usage with the namespace label columns the rules read (lib.store.usage)."""
    return usage.source(list(inp.usage_files), tables.label_keys(rules))


def allocate_inputs(store: Store, con, inp: PeriodInputs, rules, org, out_path: str, dims=engine.DIMS,
                    grain: str = "day", source: str | None = None) -> None:
    """engine.allocate over a period's inputs: its charges (or `source`) and its usage."""
    engine.allocate(con, source or lake_for(store, inp, rules), inp.period, rules, org, inp.rules_version,
                    out_path, inp.basis, dims, grain, usage_for(inp, rules))


def periods(store: Store) -> list[str]:
    with state(store) as db:
        rows = db.execute("select distinct period from lake_files where active = 1 union "
                          "select period from period_pins order by 1").fetchall()
    return [r[0] for r in rows]


def allocated_view(store: Store, con, only: list[str] | None = None, progress: Progress | None = None) -> str:
    """Make sure every period is allocated and (re)create the views `allocated` and `cells` over the results.

    A period that cannot be allocated is left out of the view; `problems(con)` says which and why.
    progress(fraction, message) hears of each period as it is done.
    """
    files, cell_files, found = [], [], []
    todo = [p for p in periods(store) if only is None or p in only]
    done = each(progress, len(todo))
    for i, period in enumerate(todo):
        path, period_problems = ensure_period(store, con, period)
        files += [path] if path else []
        cell_files += [ensure_cells(store, period, path, con)] if path else []
        found += period_problems
        done(i, f"{period} allocated" if path else f"{period} cannot be allocated")
    _meta(con, "allocation_problems", json.dumps(found))
    for view, paths, empty in (("allocated", files, empty_sql()), ("cells", cell_files, cells.empty_sql())):
        source = f"read_parquet({literal_list(paths)}, {crypto.parquet_read_options()})" if paths else f"({empty})"
        con.execute(f"create or replace view {view} as select * from {source}")
    return "allocated"


def empty_sql(dims: tuple[str, ...] = engine.DIMS) -> str:
    """A query with the columns of an allocation result and no rows."""
    return ("select cast(null as varchar) as x_BillingPeriod, cast(null as date) as ChargeDate, "
            "cast(null as varchar) as BillingCurrency, cast(null as varchar) as team, "
            "cast(null as varchar) as department, cast(null as varchar) as rule, cast(null as integer) as rules_version, "
            "cast(null as varchar) as reason, cast(null as decimal(18,12)) as share, "
            + ", ".join(f"cast(null as varchar) as {d}" for d in dims)
            + ", cast(null as decimal(38,12)) as billed, cast(null as decimal(38,12)) as effective, "
            "cast(null as decimal(38,12)) as list, cast(null as hugeint) as charges where false")


def state_signature(store: Store) -> str:
    """Changes whenever anything the allocation reads changes (data, rules, org, pins, basis)."""
    with state(store) as db:
        row = db.execute(
            "select (select coalesce(max(id), 0) from lake_files), (select count(*) from lake_files where active = 1), "
            "(select coalesce(max(id), 0) from rule_versions), (select coalesce(max(id), 0) from org_versions), "
            "(select count(*) || max(pinned_at) from period_pins), "
            "(select coalesce(max(id), 0) || '.' || count(*) from usage_files where active = 1), "
            "(select value from settings where key = 'proportional_basis')").fetchone()
    return "|".join(str(v) for v in row)


def _meta(con, key: str, value: str | None = None) -> str | None:
    """A value kept with the connection (what its views were built from); set it when `value` is given."""
    con.execute("create table if not exists _costbook_meta (key varchar primary key, value varchar)")
    if value is not None:
        con.execute("insert or replace into _costbook_meta values (?, ?)", [key, value])
        return value
    row = con.execute("select value from _costbook_meta where key = ?", [key]).fetchone()
    return row[0] if row else None


def refresh_view(store: Store, con) -> list[str]:
    """allocated_view, but only when the state moved since this connection last built it; its problems."""
    sig = state_signature(store)
    if _meta(con, "allocation") != sig:
        allocated_view(store, con)
        _meta(con, "allocation", sig)
    return problems(con)


def problems(con) -> list[str]:
    """Why periods are missing from the `allocated` view of this connection (empty when none are)."""
    return json.loads(_meta(con, "allocation_problems") or "[]")
