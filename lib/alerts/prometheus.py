"""The health checks as a Prometheus text file, for node_exporter's textfile collector.

Gauges per check (0 ok, 1 warn, 2 fail), per source (last success time, last run duration and
rows, failures since the last success, newest day with charges) and per scheduled job (last
start). `write` replaces the file atomically: it writes a temporary file beside it (whose name
does not end in .prom, so the collector never reads it half written) and renames it.

    python -m lib health --prometheus /var/lib/node_exporter/textfile_collector/costbook.prom

>>> print(sample('costbook_source_last_run_rows', 1200, source='a"b'))
costbook_source_last_run_rows{source="a\\"b"} 1200
"""

import os
from datetime import UTC, datetime, time
from pathlib import Path

from lib.alerts.health import Health
from lib.alerts.health_check import EXIT_CODES

METRICS = {  # name -> help
    "costbook_health_status": "Worst health check result: 0 ok, 1 warn, 2 fail.",
    "costbook_health_checked_timestamp_seconds": "When the health checks ran (Unix time).",
    "costbook_health_check_status": "Health check result: 0 ok, 1 warn, 2 fail.",
    "costbook_source_last_success_timestamp_seconds": "When the source's newest successful run finished (Unix time).",
    "costbook_source_last_run_duration_seconds": "How long the source's newest run took.",
    "costbook_source_last_run_rows": "Rows the source's newest run loaded.",
    "costbook_source_failures": "Failed runs of the source since its last successful one.",
    "costbook_source_data_through_timestamp_seconds": "Start of the newest day the source has charges for (Unix time).",
    "costbook_job_last_run_timestamp_seconds": "When the scheduled job last started (Unix time).",
}


def _label(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def sample(name: str, value, **labels) -> str:
    inner = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
    return f"{name}{{{inner}}} {value}" if inner else f"{name} {value}"


def _ts(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso).timestamp() if iso else None


def samples(health: Health) -> dict[str, list[str]]:
    """metric -> its sample lines."""
    out: dict[str, list[str]] = {name: [] for name in METRICS}
    out["costbook_health_status"].append(sample("costbook_health_status", EXIT_CODES[health.status]))
    out["costbook_health_checked_timestamp_seconds"].append(
        sample("costbook_health_checked_timestamp_seconds", int(health.checked_at.timestamp())))
    for c in health.checks:
        out["costbook_health_check_status"].append(sample("costbook_health_check_status", EXIT_CODES[c.status],
                                                          check=c.name))
    for s in health.sources:
        values = {"last_success_timestamp_seconds": _ts(s.last_success), "last_run_duration_seconds": s.last_duration_s,
                  "last_run_rows": s.last_rows, "failures": s.failures}
        day = health.data_through.get(s.source)
        if day:
            values["data_through_timestamp_seconds"] = int(datetime.combine(day, time(), UTC).timestamp())
        for suffix, value in values.items():
            if value is not None:
                out[f"costbook_source_{suffix}"].append(sample(f"costbook_source_{suffix}", _num(value),
                                                               source=s.source))
    for j in health.jobs:
        out["costbook_job_last_run_timestamp_seconds"].append(
            sample("costbook_job_last_run_timestamp_seconds", _num(_ts(j.started_at)), job=j.job))
    return out


def _num(value) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def render(health: Health) -> str:
    """The text exposition format: a HELP and a TYPE line before each metric's samples."""
    lines = []
    for name, found in samples(health).items():
        if found:
            lines += [f"# HELP {name} {METRICS[name]}", f"# TYPE {name} gauge", *found]
    return "\n".join(lines) + "\n"


def write(health: Health, path: str | Path) -> None:
    """Replace the file at `path` atomically with the rendered metrics."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(render(health))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
