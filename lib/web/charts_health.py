"""What the Health page draws: the checks as a table with links to failing runs, and run trends per source.

Figures are returned, never drawn; each source keeps one colour in every chart (sorted by name).

>>> from lib.alerts.health_check import Check
>>> checks_markdown([Check("refresh:a|b", "fail", "2 runs failed", 7)]).splitlines()[-1]
'| :red[**fail**] | refresh:a\\\\|b | 2 runs failed · [problems of run 7](#run-7) |'
"""

import plotly.graph_objects as go

from lib.alerts.health_check import EXIT_CODES
from lib.reports.palette import COLOURS

BADGES = {"ok": ":green[ok]", "warn": ":orange[**warn**]", "fail": ":red[**fail**]"}


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def checks_markdown(checks) -> str:
    """Worst first; a check explained by a failed run links to that run's problems further down the page."""
    lines = ["| status | check | reason |", "|---|---|---|"]
    for c in sorted(checks, key=lambda c: -EXIT_CODES[c.status]):
        link = f" · [problems of run {c.run_id}](#run-{c.run_id})" if c.run_id else ""
        lines.append(f"| {BADGES[c.status]} | {_cell(c.name)} | {_cell(c.reason)}{link} |")
    return "\n".join(lines)


def source_colours(sources) -> dict[str, str]:
    return {s: COLOURS[i % len(COLOURS)] for i, s in enumerate(sorted(set(sources)))}


def _layout(fig: go.Figure, title: str, unit: str, span) -> go.Figure:
    fig.update_layout(title=dict(text=title, font=dict(size=14)), height=280, margin=dict(l=10, r=10, t=40, b=10),
                      showlegend=True,
                      plot_bgcolor="white", legend=dict(orientation="h", yanchor="bottom", y=1.02, x=1,
                                                        xanchor="right"), hovermode="closest", font=dict(size=12))
    fig.update_yaxes(gridcolor="#EEE", ticksuffix=unit, rangemode="tozero", separatethousands=True)
    fig.update_xaxes(range=list(span))
    return fig


def run_trend(frame, column: str, title: str, span, unit: str = "") -> go.Figure:
    """One line per source over its successful runs (duration_s or rows), a point per run; span: (start, end)."""
    fig = go.Figure()
    ok = frame[frame.outcome == "ok"]
    for source, colour in source_colours(frame.source).items():
        part = ok[ok.source == source]
        fig.add_trace(go.Scatter(x=part.started_at, y=part[column], name=source, mode="lines+markers",
                                 line=dict(color=colour, width=2), marker=dict(size=5),
                                 hovertemplate=f"{source} run %{{customdata}}: %{{y:,}}{unit}<extra></extra>",
                                 customdata=part.run))
    return _layout(fig, title, unit, span)


def failures_per_day(frame, span) -> go.Figure:
    """Failed (or interrupted) runs per day, stacked by source."""
    fig = go.Figure()
    failed = frame[frame.outcome != "ok"].assign(day=lambda f: f.started_at.dt.floor("D"))
    for source, colour in source_colours(frame.source).items():
        days = failed[failed.source == source].groupby("day").size()
        fig.add_trace(go.Bar(x=days.index, y=days.values, name=source, marker_color=colour,
                             hovertemplate=f"{source}: %{{y}} failed run(s)<extra></extra>"))
    fig = _layout(fig, "Failed runs per day", "", span)
    fig.update_layout(barmode="stack")
    return fig.update_yaxes(dtick=1)
