"""The allocation on Spark: the same SQL steps as the DuckDB engine, transpiled, over the same lake.

allocation_sql.steps() is the one definition of the allocation (DuckDB dialect). Here each step is
transpiled to Spark SQL with sqlglot and run as a materialized temp view; the result is written as
one Parquet file into the allocation cache (lake/derived/alloc/period=P/<cache key>.parquet), so the
app and every report read it exactly as they read DuckDB results.

>>> spark = session("local[2]")                       # doctest: +SKIP
>>> allocate_store(store, spark)                      # doctest: +SKIP
['2026-09', '2026-10']
"""

import os
import re
import shutil
import socket
import time
import uuid
import warnings
from pathlib import Path
from urllib.parse import urlsplit

from lib.allocation import cache, engine, tables
from lib.config import engines
from lib.config.rules import ALLOCATED_TAGS, tag_keys
from lib.core import access
from lib.core.sql import literal
from lib.store import audit, crypto
from lib.store import usage as usage_lake
from lib.store.lake import parquet_source
from lib.store.state import Store, now_iso, state
from lib.store.tags import alias

MASTER_ENV = engines.SPARK_MASTER_ENV
DEFAULT_MASTER = "local[2]"
MASTER = re.compile(r"local(\[(\d+|\*)\])?|(spark|sc|k8s)://\S+|yarn")
CONNECT_PORT = 15002  # Spark Connect's default port, when sc://host gives none
# Exact decimals: no silent precision loss in products, errors (not nulls) on overflow, UTC dates.
CONF = {"spark.sql.decimalOperations.allowPrecisionLoss": "false", "spark.sql.ansi.enabled": "true",
        "spark.sql.session.timeZone": "UTC", "spark.sql.shuffle.partitions": "8", "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false"}


def master_url(store: Store | None = None) -> str:
    """The Spark master: $COSTBOOK_SPARK_MASTER, else the `spark_master` setting, else local[2].

    `local[N]`, `spark://host:7077`, `yarn`, `k8s://...` start a classic session; `sc://host:15002`
    connects through Spark Connect.
    """
    if os.environ.get(MASTER_ENV):
        return os.environ[MASTER_ENV]
    return (engines.spark_master(store) if store is not None else None) or DEFAULT_MASTER


def set_master(store: Store, url: str, user) -> None:
    """Store the Spark master in settings ('' removes it); an admin setting, audited.

    >>> set_master(store, "sc://spark.internal:15002", access.CLI)   # doctest: +SKIP
    """
    access.require(user, "manage_sources")
    url = url.strip()
    if url and not MASTER.fullmatch(url):
        raise ValueError(f"spark master {url!r} is not local[N], spark://, sc://, yarn or k8s://")
    with state(store, write=True) as db:
        if url:
            db.execute("insert or replace into settings values ('spark_master', ?)", (url,))
        else:
            db.execute("delete from settings where key = 'spark_master'")
        audit.record(store, user, "settings.spark_master", "spark_master", {"value": url}, db=db)


def session(master: str = DEFAULT_MASTER):
    """A SparkSession configured for exact decimal arithmetic (PySpark is an optional install).

    `sc://host:port` connects to a Spark Connect server: the client only sends plans, the server reads
    the lake and writes the results (see file_uri). A server that does not answer is an error at once:
    the Connect client itself would retry for about ten minutes.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise RuntimeError("the Spark engine needs PySpark: pip install -r requirements-spark.txt") from exc
    remote = master.startswith("sc://")
    if remote:
        _check_reachable(master)
    builder = SparkSession.builder.appName("costbook")
    builder = builder.remote(master) if remote else builder.master(master)
    for key, value in CONF.items():
        if not (remote and key.startswith("spark.ui")):  # the server's own (static) settings
            builder = builder.config(key, value)
    with warnings.catch_warnings():  # about pandas conversions, which the engine does not use (Arrow only)
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
        spark = builder.getOrCreate()
    for key, value in CONF.items():  # an existing session keeps its own settings otherwise
        if not key.startswith("spark.ui"):
            spark.conf.set(key, value)
    return spark


def _check_reachable(url: str, timeout: float = 10) -> None:
    """Fail fast, with the address, when nothing listens at a Spark Connect URL."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port or CONNECT_PORT
    except ValueError as exc:
        raise RuntimeError(f"bad Spark Connect URL {url!r}: {exc}") from exc
    if not host:
        raise RuntimeError(f"bad Spark Connect URL {url!r}: no host")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise RuntimeError(f"no Spark Connect server answers at {host}:{port} ({exc})") from exc


def file_uri(path: str | Path) -> str:
    """A lake path as Spark must get it: absolute, and explicitly on the local filesystem.

    Over Spark Connect the server resolves paths, not this process: a relative path would be taken
    from the server's working directory, and a bare path from the cluster's default filesystem
    (HDFS on many clusters). file:// names the same folder on every machine that mounts the lake
    at the same place.

    >>> file_uri("/srv/costbook/data/lake/charges/a.parquet")
    'file:///srv/costbook/data/lake/charges/a.parquet'
    """
    return "file://" + os.path.abspath(path)


def to_spark(sql: str) -> str:
    """One DuckDB-dialect step as Spark SQL.

    >>> to_spark("select regexp_matches(ServiceName, ?) from t group by all")
    'SELECT ServiceName RLIKE ? FROM t GROUP BY ALL'
    """
    import sqlglot  # optional, like PySpark: requirements-spark.txt

    return sqlglot.transpile(sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)[0]


def tag_sql(key: str, column: str = "Tags") -> str:
    """A tag's value from the JSON `Tags` text, key matched case-insensitively (first match wins).

    Written in the DuckDB dialect like every step, transpiled with them; only the functions differ
    from lib.store.tags.extract, because Spark reads JSON with from_json instead of json_keys.
    The same reads a namespace label from the usage's `Labels` (column="Labels").
    """
    found = f"map_filter(from_json({column}, 'map<string,string>'), (k, v) -> lower(k) = {literal(key.lower())})"
    name = alias(key) if column == "Tags" else usage_lake.label_alias(key)
    return f"try_element_at(map_values({found}), 1) as {name}"


def _usage_view(spark, files: list[str], name: str, keys: tuple[str, ...]) -> None:
    """The period's usage as view `name`, with a "label:<key>" column per namespace label the rules read."""
    if files:
        df = spark.read.parquet(*[file_uri(f) for f in files])
    else:
        df = spark.sql(to_spark(usage_lake.parquet_source([])[1:-1]))
    df.createOrReplaceTempView(name + "_raw")
    labels = "".join(", " + tag_sql(k, "Labels") for k in keys)
    spark.sql(to_spark(f"select *{labels} from {name}_raw")).createOrReplaceTempView(name)


def _lake_view(spark, files: list[str], name: str, keys: tuple[str, ...]) -> None:
    """The period's lake rows as view `name`, with a "tag:<key>" column per key read from the Tags JSON.

    Spark extracts every tag itself (in parallel on the cluster) rather than mix promoted and
    unpromoted files, which a merged schema would read as nulls.
    """
    if files:
        df = spark.read.option("mergeSchema", "true").parquet(*[file_uri(f) for f in files])
    else:  # an empty period reads as zero rows with the lake schema
        df = spark.sql(to_spark(parquet_source([])[1:-1]))
    df.createOrReplaceTempView(name + "_raw")
    spark.sql(to_spark(f"select *{''.join(', ' + tag_sql(k) for k in keys)} from {name}_raw")).createOrReplaceTempView(name)


def allocate(spark, files: list[str], period: str, rules, org, rules_version: int, out_path: str,
             basis: str = "effective", dims: tuple[str, ...] = engine.DIMS, usage_files: list[str] = ()) -> None:
    """Allocate one billing period of the lake files (and its usage files) on Spark; one Parquet file to out_path."""
    if crypto.data_key() is not None:
        raise RuntimeError("the Spark engine reads plaintext lake files only; this lake is encrypted at rest")
    if any(c.field.startswith(ALLOCATED_TAGS) for r in rules for c in r.match):
        raise RuntimeError("rules matching allocated_tags.<key> run on the DuckDB engine only (its JSON lookup does "
                           "not translate to Spark SQL): allocate with --engine duckdb")
    x = "s_" + uuid.uuid4().hex[:10]
    views = [f"{x}_lake", f"{x}_lake_raw", f"{x}_usage", f"{x}_usage_raw"]
    try:
        _lake_view(spark, files, f"{x}_lake", tag_keys(rules))
        _usage_view(spark, list(usage_files), f"{x}_usage", tables.label_keys(rules))
        for name, data in tables.small_tables(org, rules, x).items():
            spark.createDataFrame(data).createOrReplaceTempView(name)
            views.append(name)
        todo = engine.steps(f"{x}_lake", period, rules, rules_version, x, basis, dims, usage_sql=f"{x}_usage")
        for step in todo[:-1]:
            # Materialize each step once: later steps read it several times.
            spark.sql(to_spark(step.sql), args=list(step.params)).localCheckpoint().createOrReplaceTempView(step.name)
            views.append(step.name)
        _write_one_file(spark.sql(to_spark(todo[-1].sql)), out_path)
    finally:
        for name in views:
            spark.catalog.dropTempView(name)


def _write_one_file(df, out_path: str) -> None:
    """Spark writes a folder of parts; the cache wants one file, so write one part and move it.

    Spark (the Connect server, or the cluster's driver and executors) writes the folder; this process
    then moves the part, so both must see the lake at the same path.
    """
    folder = Path(out_path + ".spark")
    df.coalesce(1).write.mode("overwrite").option("compression", "zstd").parquet(file_uri(folder))
    parts = sorted(folder.glob("part-*.parquet"))
    if len(parts) != 1:
        raise RuntimeError(f"expected one Parquet part in {folder}, found {len(parts)}")
    parts[0].replace(out_path)
    shutil.rmtree(folder)


def regex_problems(spark, rules) -> list[str]:
    """Each `re:` pattern of the rules compiled by this session's engine (Java's regex), by rule and field.

    Rules were checked when they were saved; this catches a session whose engine reads them
    otherwise (or a save made while Spark was not configured) before any work is done.
    """
    out = []
    for rule in rules:
        for cond in rule.match:
            for pattern in (p[3:] for p in cond.patterns if p.startswith("re:")):
                try:
                    spark.sql("select '' rlike ?", args=[pattern]).collect()
                except Exception as exc:  # noqa: BLE001 - Spark raises its own error classes, classic or Connect
                    out.append(f"rule {rule.name!r}, match.{cond.field}: the regular expression {pattern!r} cannot "
                               f"run on Spark: {str(exc).splitlines()[0][:200]}")
    return out


def ensure_period(store: Store, spark, period: str, force: bool = False) -> str:
    """Like cache.ensure_period, computed on Spark: same inputs, cache key, path and cache row."""
    inp = cache.inputs(store, period)
    key = cache.cache_key(inp)
    rel = f"derived/alloc/period={period}/{key}.parquet"
    out = store.lake / rel
    if out.exists() and not force:
        with state(store) as db:
            if db.execute("select 1 from allocation_cache where period = ? and cache_key = ?", (period, key)).fetchone():
                return str(out)
    org, rules, problems = cache.parsed(inp)
    problems = problems or regex_problems(spark, rules)
    if problems:
        raise ValueError("; ".join(problems))
    out.parent.mkdir(parents=True, exist_ok=True)
    started, tmp = time.time(), cache.unique_tmp(out)
    allocate(spark, list(inp.files), period, rules, org, inp.rules_version, str(tmp), inp.basis,
             usage_files=list(inp.usage_files))
    tmp.replace(out)
    with state(store, write=True) as db:
        db.execute("insert or replace into allocation_cache values (?, ?, ?, ?, ?)",
                   (period, key, rel, now_iso(), round(time.time() - started, 3)))
    return str(out)


def allocate_store(store: Store, spark, only: list[str] | None = None, force: bool = False) -> list[str]:
    """Allocate every period (or `only` these) on Spark into the cache; returns the periods done."""
    done = [p for p in cache.periods(store) if only is None or p in only]
    for period in done:
        ensure_period(store, spark, period, force)
    return done
