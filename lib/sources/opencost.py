"""OpenCost allocation data as usage rows: a saved allocation API response (JSON) or the daily CSV export.

Both formats as OpenCost v1.101 to v1.112 write them (read from opencost/opencost at 5f653330,
see tests/sources/test_usage_opencost.py for the paths):
- the response of `/allocation` or `/allocation/compute` (the same handler):
  `{"code": 200, "status": "success", "data": [{<name>: <allocation>, ...}, ...]}`, one map per
  step (use `step=1d`), aggregated by namespace or finer; `__idle__` is the cluster's unused
  capacity (`includeIdle=true`), `__unmounted__` its unclaimed volumes. Keys are looked up by
  name, so fields added or missing across versions do not matter;
- the exporter's CSV (`EXPORT_CSV_FILE`): one row per container and UTC day, with no cluster
  column and no idle, so the cluster is named on import (`--cluster NAME`). It carries
  averages, not running minutes, so its core- and byte-hours are the averages times 24 h.

Each allocation (or CSV row) becomes one usage row: metric `kubernetes`, the day, the cluster,
the namespace as key, namespace labels over pod labels, OpenCost's costs and the hours.

>>> sniff(["Date", "Namespace", "CPUCoreRequestAverage", "TotalCost"])
True
"""

from lib.core import usage
from lib.core.problems import Problem
from lib.core.sql import identifier, literal

NAME = "opencost"
HOURS_PER_DAY = 24
NUMBERS = ("minutes", "cpuCoreHours", "cpuCoreRequestAverage", "cpuCoreUsageAverage", "cpuCost", "cpuCostAdjustment",
           "gpuHours", "gpuCost", "gpuCostAdjustment", "ramByteHours", "ramByteRequestAverage", "ramByteUsageAverage",
           "ramCost", "ramCostAdjustment", "pvCost", "pvCostAdjustment", "networkCost", "networkCostAdjustment",
           "totalCost")
ALLOCATION = ("STRUCT(name VARCHAR, properties STRUCT(cluster VARCHAR, namespace VARCHAR, labels JSON, "
              "namespaceLabels JSON), \"window\" STRUCT(\"start\" VARCHAR, \"end\" VARCHAR), \"start\" VARCHAR, "
              + ", ".join(f"{n} VARCHAR" for n in NUMBERS) + ")")
CSV_NUMBERS = ("CPUCoreUsageAverage", "CPUCoreRequestAverage", "RAMBytesUsageAverage", "RAMBytesRequestAverage",
               "GPUs", "CPUCost", "RAMCost", "NetworkCost", "PVCost", "GPUCost", "TotalCost")
CSV_COLUMNS = ("Date", "Namespace", *CSV_NUMBERS)
NO_CLUSTER = "the OpenCost CSV export has no cluster column: name the cluster (python -m lib import --cluster NAME)"


def sniff(columns: list[str]) -> bool:
    """Does a CSV header look like OpenCost's export?"""
    return {"Date", "Namespace", "CPUCoreRequestAverage", "TotalCost"} <= set(columns)


def load(con, path: str, view: str, cluster: str | None = None) -> list[Problem]:
    """Create `view` with usage columns (lib.core.usage) and `_row` from a JSON response or a CSV export."""
    if path.lower().endswith(".json"):
        return load_response(con, path, view, cluster)
    return load_export(con, path, view, cluster)


def _num(field: str) -> str:
    return f"coalesce(try_cast(a.{field} as double), 0)"


def _money(*fields: str) -> str:
    return " + ".join(f"coalesce(try_cast(a.{f} as {usage.NUMBER}), 0)" for f in fields)


def _hours(average: str) -> str:
    return f"cast({_num(average)} * {_num('minutes')} / 60 as {usage.NUMBER})"


def load_response(con, path: str, view: str, cluster: str | None = None) -> list[Problem]:
    """An allocation API response; problems name the step (data[i]) and allocation where they are."""
    name = path.rsplit("/", 1)[-1]
    doc = f"{view}_doc"
    try:
        con.execute(f"create or replace temp table {doc} as select * from read_json({literal(path)}, "
                    f"format = 'unstructured', maximum_object_size = 2147483648, columns = {{code: 'INTEGER', "
                    f"status: 'VARCHAR', message: 'VARCHAR', data: 'MAP(VARCHAR, {ALLOCATION})[]'}})")
        code, status, message = con.execute(f"select code, status, message from {doc}").fetchone()
    except Exception as exc:
        return [Problem(name, None, None, f"not an OpenCost allocation response: {str(exc).splitlines()[0]}")]
    if code != 200 or (status or "success") != "success":
        return [Problem(name, None, "code", f"OpenCost answered {code} {status or ''}: {message or 'no message'}")]
    con.execute(f"""create or replace temp table {view}_a as
        with steps as (select unnest(data) as m, generate_subscripts(data, 1) as step from {doc}),
        entries as (select step, unnest(map_entries(m)) as e from steps)
        select step, e.key as name, e.value as a from entries""")
    con.execute(f"drop table {doc}")
    problems = _response_problems(con, name, f"{view}_a", cluster)
    if problems:
        return problems
    cpu, ram = _money("cpuCost", "cpuCostAdjustment"), _money("ramCost", "ramCostAdjustment")
    labels = "json_merge_patch(coalesce(a.properties.labels, '{}'), coalesce(a.properties.namespaceLabels, '{}'))"
    con.execute(f"""create or replace temp view {view} as
        with picked as (
            select step, name, a, coalesce(nullif(a.properties.cluster, ''), max(nullif(a.properties.cluster, ''))
                   over (partition by step), {literal(cluster) if cluster else 'null'}) as cluster from {view}_a)
        select step as _row, cast(cast(coalesce(a.window.start, a.start) as timestamptz) as date) as UsageDate,
               '{usage.KUBERNETES}' as Metric, cluster as Cluster,
               case when name = '{usage.IDLE}' then name else a.properties.namespace end as UsageKey,
               nullif(cast({labels} as varchar), '{{}}') as Labels,
               {_money('totalCost')} as TotalCost, {cpu} as CpuCost, {ram} as RamCost,
               {_money('gpuCost', 'gpuCostAdjustment')} as GpuCost, {_money('pvCost', 'pvCostAdjustment')} as PvCost,
               {_money('networkCost', 'networkCostAdjustment')} as NetworkCost,
               {_money('cpuCoreHours')} as CpuCoreHours, {_hours('cpuCoreRequestAverage')} as CpuCoreRequestHours,
               {_hours('cpuCoreUsageAverage')} as CpuCoreUsageHours, {_money('ramByteHours')} as RamByteHours,
               {_hours('ramByteRequestAverage')} as RamByteRequestHours,
               {_hours('ramByteUsageAverage')} as RamByteUsageHours, {_money('gpuHours')} as GpuHours
        from picked""")
    return []


def _response_problems(con, name: str, table: str, cluster: str | None) -> list[Problem]:
    """Steps longer than a day, allocations without a namespace or cluster, idle merged across clusters."""
    rows = con.execute(f"""
        with t as (
            select step, name, a.properties.cluster as cl, a.properties.namespace as ns,
                   try_cast(coalesce(a.window.start, a.start) as timestamptz) as s,
                   try_cast(a.window."end" as timestamptz) as e,
                   count(distinct nullif(a.properties.cluster, '')) over (partition by step) as clusters
            from {table})
        select step, name, case
            when s is null then 'has no readable window start'
            when e is not null and e - s > interval 1 day then 'covers ' || strftime(s, '%Y-%m-%dT%H:%M:%SZ') || ' to '
                 || strftime(e, '%Y-%m-%dT%H:%M:%SZ') || ': query OpenCost with step=1d so usage comes per day'
            when name = '{usage.IDLE}' and coalesce(cl, '') = '' and clusters > 1 then
                 'is the idle of several clusters merged into one (OpenCost names all idle __idle__): '
                 || 'query one cluster per file or source'
            when name <> '{usage.IDLE}' and coalesce(ns, '') = '' then
                 'has no namespace: query OpenCost with aggregate=namespace (or cluster,namespace, or finer)'
            when coalesce(cl, '') = '' and clusters = 0 and ? is null then
                 'has no cluster: name the cluster (python -m lib import --cluster NAME)'
        end as reason from t where reason is not null order by step, name limit 50""", [cluster]).fetchall()
    return [Problem(name, None, f"data[{step - 1}][{alloc!r}]", reason) for step, alloc, reason in rows]


def load_export(con, path: str, view: str, cluster: str | None = None) -> list[Problem]:
    """The exporter's CSV: one usage row per container and day (line numbers kept for problems)."""
    name = path.rsplit("/", 1)[-1]
    try:
        rel = con.execute(f"select * from read_csv({literal(path)}, all_varchar = true, header = true) limit 0")
    except Exception as exc:
        return [Problem(name, None, None, f"cannot read the file: {str(exc).splitlines()[0]}")]
    have = [d[0] for d in rel.description]
    missing = [Problem(name, None, c, "column of the OpenCost CSV export is missing") for c in CSV_COLUMNS
               if c not in have]
    if missing or not cluster:
        return missing or [Problem(name, None, None, NO_CLUSTER)]
    raw = f"{view}_csv"
    con.execute(f"create or replace temp view {raw} as select row_number() over () + 1 as _row, * "
                f"from read_csv({literal(path)}, all_varchar = true, header = true)")
    problems = unreadable(con, name, raw, CSV_NUMBERS)
    if problems:
        return problems
    con.execute(f"create or replace temp view {view} as select _row, Date as UsageDate, "
                f"'{usage.KUBERNETES}' as Metric, {literal(cluster)} as Cluster, Namespace as UsageKey, "
                f"{_csv_labels(have)} as Labels, {_csv_values()} from {raw}")
    return []


def unreadable(con, name: str, raw: str, numbers: tuple[str, ...]) -> list[Problem]:
    """Cells of number columns that do not read as numbers, by line and column."""
    checks = " union all ".join(
        f"select _row, {literal(c)} as col, {identifier(c)} as v from {raw} "
        f"where trim(coalesce({identifier(c)}, '')) <> '' and try_cast(trim({identifier(c)}) as double) is null"
        for c in numbers)
    rows = con.execute(f"select * from ({checks}) order by 1, 2 limit 200").fetchall()
    return [Problem(name, int(r), c, f"cannot read as a number: {v}") for r, c, v in rows]


def _csv_labels(have: list[str]) -> str:
    """The Labels JSON when the export has it, else an object of its Label_<name> columns."""
    singles = [c for c in have if c.startswith("Label_")]
    pairs = ", ".join(f"{literal(c[6:])}, nullif({identifier(c)}, '')" for c in singles)
    built = f"nullif(cast(json_object({pairs}) as varchar), '{{}}')" if singles else "cast(null as varchar)"
    if "Labels" not in have:
        return built
    return (f"case when json_valid(nullif(Labels, '')) and json_type(Labels) = 'OBJECT' then Labels "
            f"else {built} end")


def _csv_values() -> str:
    def num(col):
        return f"coalesce(try_cast(trim({identifier(col)}) as {usage.NUMBER}), 0)"

    def day_hours(col):
        return f"cast({num(col)} * {HOURS_PER_DAY} as {usage.NUMBER})"

    allocated_cpu = f"greatest({num('CPUCoreUsageAverage')}, {num('CPUCoreRequestAverage')})"
    allocated_ram = f"greatest({num('RAMBytesUsageAverage')}, {num('RAMBytesRequestAverage')})"
    return ", ".join([
        f"{num('TotalCost')} as TotalCost", f"{num('CPUCost')} as CpuCost", f"{num('RAMCost')} as RamCost",
        f"{num('GPUCost')} as GpuCost", f"{num('PVCost')} as PvCost", f"{num('NetworkCost')} as NetworkCost",
        f"cast({allocated_cpu} * {HOURS_PER_DAY} as {usage.NUMBER}) as CpuCoreHours",
        f"{day_hours('CPUCoreRequestAverage')} as CpuCoreRequestHours",
        f"{day_hours('CPUCoreUsageAverage')} as CpuCoreUsageHours",
        f"cast({allocated_ram} * {HOURS_PER_DAY} as {usage.NUMBER}) as RamByteHours",
        f"{day_hours('RAMBytesRequestAverage')} as RamByteRequestHours",
        f"{day_hours('RAMBytesUsageAverage')} as RamByteUsageHours", f"{day_hours('GPUs')} as GpuHours"])
