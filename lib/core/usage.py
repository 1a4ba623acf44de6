"""The usage schema as stored in the lake: measured usage per day and key, beside the charges.

Usage weighs shared costs (allocation rules with `split: {usage: ...}`). Two kinds arrive:
- `kubernetes`: OpenCost allocation data, one row per day, cluster and namespace (or finer),
  with OpenCost's own cost estimate and the core-, byte- and GPU-hours behind it;
- any other metric name: a generic usage CSV (date, metric, key, quantity, unit), e.g. the
  queries each team ran on a data platform; Cluster is '' for those.

Every usage importer produces exactly these columns, in this order, with these types.

>>> WEIGHTS["cpu"], COLUMN_TYPES["UsageDate"]
('CpuCoreHours', 'date')
>>> label_key("app.kubernetes.io/Team")
'app_kubernetes_io_team'
"""

import re

NUMBER = "decimal(38,12)"
KUBERNETES = "kubernetes"  # the metric of OpenCost rows
IDLE = "__idle__"  # OpenCost's name for the cluster capacity no namespace used

# (name, DuckDB type, required)
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("UsageDate", "date", True),
    ("Metric", "varchar", True),
    ("Cluster", "varchar", False),  # '' for metrics without a cluster
    ("UsageKey", "varchar", True),  # the namespace (OpenCost) or the key of a generic metric
    ("Labels", "varchar", False),  # a JSON object (never other JSON): namespace labels over pod labels (OpenCost)
    ("Quantity", NUMBER, False),  # a generic metric's amount
    ("Unit", "varchar", False),
    ("TotalCost", NUMBER, False),  # OpenCost's estimate from list prices (not the bill)
    ("CpuCost", NUMBER, False),
    ("RamCost", NUMBER, False),
    ("GpuCost", NUMBER, False),
    ("PvCost", NUMBER, False),
    ("NetworkCost", NUMBER, False),
    ("CpuCoreHours", NUMBER, False),  # allocated: max(request, usage) over the running time
    ("CpuCoreRequestHours", NUMBER, False),
    ("CpuCoreUsageHours", NUMBER, False),
    ("RamByteHours", NUMBER, False),
    ("RamByteRequestHours", NUMBER, False),
    ("RamByteUsageHours", NUMBER, False),
    ("GpuHours", NUMBER, False),
    ("x_Source", "varchar", True),
    ("x_UsagePeriod", "varchar", True),  # 'YYYY-MM' of UsageDate: the lake partition key
)
NAMES = tuple(n for n, _, _ in COLUMNS)
COLUMN_TYPES = {n: t for n, t, _ in COLUMNS}

# What a kubernetes usage split weighs by, and the cost behind each (idle carries cost only).
WEIGHTS = {"cost": "TotalCost", "cpu": "CpuCoreHours", "memory": "RamByteHours", "gpu": "GpuHours"}
WEIGHT_COSTS = {"cpu": "CpuCost", "memory": "RamCost", "gpu": "GpuCost"}
QUANTITY = "quantity"  # the weight of a generic metric
IDLE_MODES = ("share", "unallocated")  # or a team id


def label_key(key: str) -> str:
    """A label name as OpenCost reports it: Prometheus-sanitized (non-alphanumerics to _), lower case."""
    return re.sub(r"[^a-z0-9_]", "_", key.lower())
