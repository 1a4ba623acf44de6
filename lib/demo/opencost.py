"""The demo's shared Kubernetes cluster as OpenCost reports it: one allocation API response per month.

The cluster `shared-prod` runs the namespaces below on the AWS EKS charges the rule "Shared
Kubernetes cluster" splits. The responses have the shape of OpenCost's `/allocation` with
`aggregate=namespace&step=1d&includeIdle=true` (lib.sources.opencost), are generated set-based
in DuckDB from the demo's days, and go through the same import as a saved response.

>>> [n for n, team, label, *_ in NAMESPACES if team is None and label is None]
['sandbox-legacy']
"""

from pathlib import Path

import pyarrow as pa

from lib.core.sql import literal

CLUSTER = "shared-prod"
SOURCE = "demo-opencost"
# namespace, team (org.yaml `namespaces:`), team label (the rule maps label:team), requested cores,
# requested GiB, yearly growth. recommendations has only its label; sandbox-legacy has neither.
NAMESPACES = (
    ("storefront", "web", None, 90.0, 180.0, 0.30),
    ("web-assets", "web", None, 15.0, 30.0, 0.10),
    ("api-gateway", "api", None, 60.0, 120.0, 0.40),
    ("search", "search", None, 75.0, 360.0, 0.20),
    ("recommendations", None, "search", 30.0, 120.0, 0.50),
    ("checkout", "payments", "payments", 45.0, 90.0, 0.20),
    ("platform-tools", "platform", None, 22.0, 60.0, 0.10),
    ("sandbox-legacy", None, None, 8.0, 15.0, 0.00),
)
CPU_HOUR, GIB_HOUR = 0.031611, 0.004237  # OpenCost's default on-demand prices
KEYS = ("name properties window start end minutes cpuCores cpuCoreRequestAverage cpuCoreUsageAverage cpuCoreHours "
        "cpuCost cpuCostAdjustment cpuCostIdle cpuEfficiency gpuCount gpuRequestAverage gpuUsageAverage gpuHours "
        "gpuCost gpuCostAdjustment gpuCostIdle gpuEfficiency networkTransferBytes networkReceiveBytes networkCost "
        "networkCrossZoneCost networkCrossRegionCost networkInternetCost networkCostAdjustment loadBalancerCost "
        "loadBalancerCostAdjustment pvBytes pvByteHours pvCost pvs pvCostAdjustment ramBytes ramByteRequestAverage "
        "ramByteUsageAverage ramByteHours ramCost ramCostAdjustment ramCostIdle ramEfficiency externalCost sharedCost "
        "totalCost totalEfficiency proportionalAssetResourceCosts lbAllocations sharedCostBreakdown").split()


def team_namespaces() -> dict[str, list[str]]:
    """team -> the namespaces org.yaml lists for it."""
    out: dict[str, list[str]] = {}
    for namespace, team, *_ in NAMESPACES:
        if team:
            out.setdefault(team, []).append(namespace)
    return out


# One row per day and allocation (namespaces, __unmounted__, __idle__) with its measured values.
ROWS_SQL = f"""
create or replace temp table demo_opencost as
with used as (
  select d.day, d.month_start, n.*,
    (1 + n.growth * d.idx / 365.0) * if(d.weekend, 0.8, 1) * (0.95 + (hash(p.seed, n.namespace, d.idx) % 1000) / 10000.0)
      as f,
    0.35 + (hash(p.seed, n.namespace, 'cpu', d.idx) % 300) / 1000.0 as cpu_util,
    0.55 + (hash(p.seed, n.namespace, 'ram', d.idx) % 300) / 1000.0 as ram_util
  from demo_days d cross join demo_namespaces n cross join demo_params p),
ns as (
  select day, month_start, namespace as name, namespace, label, cores * f as cpu_req, cores * f * cpu_util as cpu_use,
    gib * f * 1073741824 as ram_req, gib * f * ram_util * 1073741824 as ram_use, 0.004 * cores * f as net,
    0.0 as pv, 0.0 as pv_bytes
  from used),
extra as (
  select day, any_value(month_start) as month_start, '__unmounted__' as name, '__unmounted__' as namespace,
    cast(null as varchar) as label, 0.0, 0.0, 0.0, 0.0, 0.0, 0.06576, 53687091200.0 from ns group by day),
priced as (
  select *, cpu_req * 24 * {CPU_HOUR} as cpu_cost, ram_req * 24 / 1073741824 * {GIB_HOUR} as ram_cost
  from (select * from ns union all select * from extra)),
idle as (
  select day, any_value(month_start) as month_start, '__idle__' as name, null as namespace, null as label,
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.28 * sum(cpu_cost) * (0.9 + (hash(any_value(p.seed), day) % 200) / 1000.0) as cpu_cost,
    0.22 * sum(ram_cost) as ram_cost
  from priced cross join demo_params p group by day)
select * from priced union all select * from idle
"""


def _value(key: str, cluster: str) -> str:
    """The SQL of one allocation field over demo_opencost (5-decimal rounding, as OpenCost rounds)."""
    labels = "json_object('kubernetes_io_metadata_name', namespace)"
    c = literal(cluster)
    named = {
        "name": "name",
        "properties": (f"case when name = '__idle__' then json_object('cluster', {c}) "
                       f"when name = '__unmounted__' then json_object('cluster', {c}, 'container', name, "
                       f"'namespace', name, 'pod', name) else json_object('cluster', {c}, 'namespace', "
                       f"namespace, 'namespaceLabels', case when label is null then {labels} else json_object("
                       f"'kubernetes_io_metadata_name', namespace, 'team', label) end) end"),
        "window": "json_object('start', s, 'end', e)", "start": "s", "end": "e", "minutes": "1440",
        "cpuCores": "cpu_req", "cpuCoreRequestAverage": "cpu_req", "cpuCoreUsageAverage": "cpu_use",
        "cpuCoreHours": "cpu_req * 24", "cpuCost": "cpu_cost", "cpuEfficiency": "if(cpu_req > 0, cpu_use / cpu_req, 0)",
        "networkCost": "net", "networkInternetCost": "net", "pvBytes": "pv_bytes", "pvByteHours": "pv_bytes * 24",
        "pvCost": "pv", "ramBytes": "ram_req", "ramByteRequestAverage": "ram_req", "ramByteUsageAverage": "ram_use",
        "ramByteHours": "ram_req * 24", "ramCost": "ram_cost", "ramEfficiency": "if(ram_req > 0, ram_use / ram_req, 0)",
        "totalCost": "cpu_cost + ram_cost + net + pv",
        "totalEfficiency": "if(cpu_cost + ram_cost > 0, (cpu_cost * if(cpu_req > 0, cpu_use / cpu_req, 0) + ram_cost "
                           "* if(ram_req > 0, ram_use / ram_req, 0)) / (cpu_cost + ram_cost), 0)",
        "pvs": "null", "lbAllocations": "null", "proportionalAssetResourceCosts": "json('{}')",
        "sharedCostBreakdown": "json('{}')",
    }
    sql = named.get(key, "0")
    return sql if key in ("name", "properties", "window", "start", "end", "pvs", "lbAllocations",
                          "proportionalAssetResourceCosts", "sharedCostBreakdown") else f"round({sql}, 5)"


RESPONSE_SQL = """
with a as (
  select day, name, json_object({pairs}) as j from (
    select *, strftime(day, '%Y-%m-%dT00:00:00Z') as s, strftime(day + interval 1 day, '%Y-%m-%dT00:00:00Z') as e
    from demo_opencost where month_start = ?)),
steps as (select day, '{{' || string_agg(to_json(name) || ':' || j, ',' order by name) || '}}' as step
          from a group by day)
select '{{"code":200,"status":"success","data":[' || string_agg(step, ',' order by day) || ']}}' from steps
"""


def write_months(con, folder: Path, cluster: str = CLUSTER, namespaces=NAMESPACES) -> list[str]:
    """One response file per month of the demo window (needs lib.demo.charges.load_catalog's tables).

    `namespaces` are rows like NAMESPACES (bench/bench_usage.py writes thousands for several clusters).
    """
    con.execute("create or replace temp table demo_namespaces (namespace varchar, team varchar, label varchar, "
                "cores double, gib double, growth double)")
    rows = pa.table({c: [n[i] for n in namespaces] for i, c in enumerate(
        ("namespace", "team", "label", "cores", "gib", "growth"))})
    con.register("demo_namespaces_rows", rows)
    con.execute("insert into demo_namespaces select * from demo_namespaces_rows")
    con.unregister("demo_namespaces_rows")
    con.execute(ROWS_SQL)
    folder.mkdir(parents=True, exist_ok=True)
    sql = RESPONSE_SQL.format(pairs=", ".join(f"'{k}', {_value(k, cluster)}" for k in KEYS))
    files = []
    for (month,) in con.execute("select distinct month_start from demo_days order by 1").fetchall():
        path = folder / f"allocation-{cluster}-{month:%Y-%m}.json"
        path.write_text(con.execute(sql, [month]).fetchone()[0])
        files.append(str(path))
    return files
