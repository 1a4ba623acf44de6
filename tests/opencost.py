"""OpenCost allocation responses written the way its API writes them, from a few numbers a person reads.

The shape is OpenCost's, read from opencost/opencost at commit 5f6533303e3850c8635796a74bb22802d16e9090
(v1.112.0-9): the envelope of pkg/costmodel/router.go (`Response`, `WrapData`), one map per step keyed
by allocation name (core/pkg/opencost/allocation_json.go, `AllocationSetRange.MarshalJSON`), every field
of `AllocationJSON` in its order, scalars rounded to 5 decimals (`formatFloat64ForResponse`), properties
with empty values left out (core/pkg/opencost/allocationprops.go), `__idle__` carrying only the cluster
and cpu/ram cost (pkg/costmodel/costmodel.go `computeIdleAllocations`).

>>> a = allocation("checkout", "2026-11-03", cpu_cost=3)
>>> list(a)[:6], a["totalCost"], a["properties"]["namespace"]
(['name', 'properties', 'window', 'start', 'end', 'minutes'], 3, 'checkout')
"""

import json
from datetime import date, timedelta

FIELDS = ("name properties window start end minutes cpuCores cpuCoreRequestAverage cpuCoreUsageAverage cpuCoreHours "
          "cpuCost cpuCostAdjustment cpuCostIdle cpuEfficiency gpuCount gpuRequestAverage gpuUsageAverage gpuHours "
          "gpuCost gpuCostAdjustment gpuCostIdle gpuEfficiency networkTransferBytes networkReceiveBytes networkCost "
          "networkCrossZoneCost networkCrossRegionCost networkInternetCost networkCostAdjustment loadBalancerCost "
          "loadBalancerCostAdjustment pvBytes pvByteHours pvCost pvs pvCostAdjustment ramBytes ramByteRequestAverage "
          "ramByteUsageAverage ramByteHours ramCost ramCostAdjustment ramCostIdle ramEfficiency externalCost "
          "sharedCost totalCost totalEfficiency proportionalAssetResourceCosts lbAllocations "
          "sharedCostBreakdown").split()
GIB = 2 ** 30


def _num(value):
    """A number as OpenCost prints it: rounded to 5 decimals, whole values without a point."""
    value = round(float(value), 5)
    return int(value) if value == int(value) else value


def allocation(name: str, day: str, cluster: str = "shared-prod", *, cpu_cost=0, ram_cost=0, gpu_cost=0, pv_cost=0,
               network_cost=0, cpu_hours=0, cpu_request=0, cpu_usage=0, ram_gib_hours=0, ram_request_gib=0,
               ram_usage_gib=0, gpu_hours=0, labels=None, namespace_labels=None, minutes=1440) -> dict:
    """One allocation of a one-day step (`day` is its UTC date); `__idle__` gets only its cluster."""
    start = f"{day}T00:00:00Z"
    end = f"{date.fromisoformat(day) + timedelta(days=1)}T00:00:00Z"
    if name == "__idle__":
        props = {"cluster": cluster}
    else:
        props = {"cluster": cluster, "namespace": name}
        if labels:
            props["labels"] = labels
        if namespace_labels:
            props["namespaceLabels"] = namespace_labels
    hours = minutes / 60
    values = {
        "minutes": minutes, "cpuCores": cpu_hours / hours, "cpuCoreRequestAverage": cpu_request,
        "cpuCoreUsageAverage": cpu_usage, "cpuCoreHours": cpu_hours, "cpuCost": cpu_cost,
        "cpuEfficiency": cpu_usage / cpu_request if cpu_request else 0, "gpuCount": gpu_hours / hours,
        "gpuHours": gpu_hours, "gpuCost": gpu_cost, "networkCost": network_cost, "networkInternetCost": network_cost,
        "pvCost": pv_cost, "ramBytes": ram_gib_hours * GIB / hours, "ramByteRequestAverage": ram_request_gib * GIB,
        "ramByteUsageAverage": ram_usage_gib * GIB, "ramByteHours": ram_gib_hours * GIB, "ramCost": ram_cost,
        "ramEfficiency": ram_usage_gib / ram_request_gib if ram_request_gib else 0,
        "totalCost": cpu_cost + ram_cost + gpu_cost + pv_cost + network_cost,
    }
    out = {}
    for field in FIELDS:
        if field == "name":
            out[field] = name
        elif field == "properties":
            out[field] = props
        elif field == "window":
            out[field] = {"start": start, "end": end}
        elif field in ("start", "end"):
            out[field] = start if field == "start" else end
        elif field in ("pvs", "lbAllocations"):
            out[field] = None
        elif field in ("proportionalAssetResourceCosts", "sharedCostBreakdown"):
            out[field] = {}
        else:
            out[field] = _num(values.get(field, 0))
    return out


def response(*steps: list[dict]) -> str:
    """The JSON body of a 200 answer: one map per step, keyed by allocation name (sorted, as Go writes it)."""
    data = [None if step is None else {a["name"]: a for a in sorted(step, key=lambda a: a["name"])} for step in steps]
    return json.dumps({"code": 200, "status": "success", "data": data}, separators=(",", ":"))


def write(path, *steps: list[dict]) -> str:
    path.write_text(response(*steps))
    return str(path)
