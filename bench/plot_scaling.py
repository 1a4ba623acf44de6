"""Draw how time and memory grow with the number of charges, from bench_import.py's JSON lines.

    python bench/bench_import.py --rows 1000000 10000000 100000000 > scaling.jsonl
    python bench/plot_scaling.py scaling.jsonl --out docs/scaling.png

Log-log axes with a dotted line of slope 1 through each step's smallest run: a step that
grows linearly with the data runs parallel to its line.
"""

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STEPS = {"import": "import (check + write the lake)", "allocate": "allocate 13 periods",
         "generate": "generate FOCUS Parquet"}


def load(paths: list[str]) -> dict[str, list[tuple[int, float, float]]]:
    runs: dict[str, dict[int, tuple[float, float]]] = {}
    for path in paths:
        for line in Path(path).read_text().splitlines():
            if not line.startswith("{"):
                continue
            row = json.loads(line)
            if row.get("step") in STEPS:
                runs.setdefault(row["step"], {})[row["rows"]] = (row["seconds"], row["peak_rss_mb"] / 1024)
    return {step: sorted((rows, s, gb) for rows, (s, gb) in by_rows.items()) for step, by_rows in runs.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("jsonl", nargs="+")
    p.add_argument("--out", default="docs/scaling.png")
    args = p.parse_args()
    runs = load(args.jsonl)
    fig, (time_ax, mem_ax) = plt.subplots(1, 2, figsize=(10, 4))
    for step, points in runs.items():
        rows = [r for r, _, _ in points]
        line, = time_ax.plot(rows, [s for _, s, _ in points], marker="o", label=STEPS[step])
        time_ax.plot(rows, [points[0][1] * r / rows[0] for r in rows], ":", color=line.get_color(), linewidth=1)
        mem_ax.plot(rows, [gb for _, _, gb in points], marker="o", label=STEPS[step], color=line.get_color())
    for ax, label in ((time_ax, "seconds (wall)"), (mem_ax, "peak memory (GB)")):
        ax.set_xscale("log")
        ax.set_xlabel("charges")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    time_ax.set_yscale("log")
    time_ax.set_title("Time (dotted: linear from the smallest run)", fontsize=10, loc="left")
    mem_ax.set_title("Peak memory of the process", fontsize=10, loc="left")
    mem_ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)


if __name__ == "__main__":
    main()
