"""The `spark` verbs: where the Spark engine runs, and allocating on it.

    python -m lib spark master sc://spark.internal:15002   # store the cluster to use
    python -m lib spark allocate --month 2026-10           # same as: allocate --engine spark
"""

from lib.allocation import spark as allocation_spark
from lib.cli import add_verb, allocated, fail, month_arg, write_csv
from lib.core import access
from lib.store.lake import engine


def run_spark(store, only: list[str] | None, master: str | None = None, force: bool = False) -> list[str]:
    """Allocate the periods on Spark into the allocation cache; a missing PySpark is a clear error."""
    url = master or allocation_spark.master_url(store)
    try:
        spark = allocation_spark.session(url)
    except RuntimeError as exc:  # PySpark not installed
        fail(str(exc))
    try:
        return allocation_spark.allocate_store(store, spark, only, force)
    except (RuntimeError, ValueError) as exc:
        fail(f"spark allocation ({url}): {exc}")


def spark_allocate(store, args) -> int:
    only = [month_arg(args.month)] if args.month else None
    run_spark(store, only, args.master, args.force)
    con = engine(store)
    allocated(store, con, only)
    rows = con.execute("select x_BillingPeriod, count(*), sum(charges) from allocated group by 1 order by 1").fetchall()
    write_csv(["period", "rows", "charges"], rows)
    return 0


def spark_master(store, args) -> int:
    if args.url is not None:
        try:
            allocation_spark.set_master(store, args.url, access.CLI)
        except ValueError as exc:
            fail(str(exc))
    print(allocation_spark.master_url(store))
    return 0


def register(sub) -> None:
    p = add_verb(sub, "spark")
    verbs = p.add_subparsers(dest="spark_verb", required=True)
    v = verbs.add_parser("master", help="show, or set, the Spark master (local[N], spark://, sc://host:15002)")
    v.add_argument("url", nargs="?", default=None, help="'' removes the setting (back to local[2])")
    v.set_defaults(run=spark_master)
    v = verbs.add_parser("allocate", help="allocate on Spark into the cache the app reads")
    v.add_argument("--month", default=None)
    v.add_argument("--master", default=None, help="overrides the setting and $COSTBOOK_SPARK_MASTER")
    v.add_argument("--force", action="store_true", help="recompute periods that are already cached")
    v.set_defaults(run=spark_allocate)
