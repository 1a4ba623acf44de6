"""Budget charts: the burn chart (cumulative actual vs budget vs forecast with its band).

Builders return plotly figures; pages draw them. Amounts are plotted as floats (a chart is a
picture); the numbers a person reads in hovers are formatted from the same values.

>>> fig = burn(status)            # doctest: +SKIP
>>> [t.name for t in fig.data]    # doctest: +SKIP
['Likely range', 'Budget', 'Actual', 'Forecast']
"""

from datetime import timedelta

import pandas as pd
import plotly.graph_objects as go

from lib.budgets.status import Status
from lib.core.money import SYMBOLS, fmt

ACTUAL, FORECAST, BAND, BUDGET, OVER = "#4C6EF5", "#FD7E14", "rgba(253,126,20,0.15)", "#495057", "#FA5252"


def burn_frame(s: Status) -> pd.DataFrame:
    """One row per day of the period: cumulative actual (to as_of), forecast, its band and the budget line."""
    rows, running = [], 0.0
    for day, amount in s.days:
        running += float(amount)
        rows.append((day, running, None, None, None))
    spread = float(s.forecast.high - s.forecast.total)
    done = len(s.days)
    first = s.start + timedelta(days=done)
    if s.forecast.daily:
        rows[-1:] = [(*rows[-1][:2], running, running, running)] if rows else []
        cumulative, total = running, len(s.forecast.daily)
        lead = (first - s.start).days
        for i, value in enumerate(s.forecast.daily):
            cumulative += value
            width = spread * (i + 1) / total  # the band opens from today to the full width at the period's end
            rows.append((s.start + timedelta(days=lead + i), None, cumulative, cumulative - width, cumulative + width))
    frame = pd.DataFrame(rows, columns=["day", "actual", "forecast", "low", "high"])
    frame["budget"] = float(s.budget.amount)
    return frame


def _axis(fig: go.Figure, currency: str) -> None:
    prefix = SYMBOLS.get(currency, "")
    fig.update_layout(height=400, margin=dict(l=10, r=10, t=40, b=10), plot_bgcolor="white",
                      legend=dict(orientation="h", yanchor="top", y=-0.12, x=0), hovermode="x unified",
                      font=dict(size=13))
    fig.update_yaxes(tickprefix=prefix, ticksuffix="" if prefix else f" {currency}", tickformat=",.0f",
                     gridcolor="#EEE", rangemode="tozero")
    fig.update_xaxes(showgrid=False)


def burn(s: Status, colour: str = ACTUAL) -> go.Figure:
    """Cumulative spend against the budget line, with the forecast to the period's end and its likely range;
    the actual line in the team's (or department's) colour."""
    cur, frame = s.budget.currency, burn_frame(s)
    money = f"{SYMBOLS.get(cur, '')}%{{y:,.2f}}{'' if cur in SYMBOLS else ' ' + cur}"
    fig = go.Figure()
    ahead = frame.dropna(subset=["forecast"])
    if not ahead.empty:
        fig.add_trace(go.Scatter(x=list(ahead.day) + list(ahead.day[::-1]), y=list(ahead.high) + list(ahead.low[::-1]),
                                 fill="toself", fillcolor=BAND, line=dict(width=0), name="Likely range", mode="lines",
                                 hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[s.start, s.end - timedelta(days=1)], y=[float(s.budget.amount)] * 2, name="Budget",
                             mode="lines", line=dict(color=BUDGET, dash="dash", width=2),
                             hovertemplate=f"Budget {fmt(s.budget.amount, cur)}<extra></extra>"))
    done = frame.dropna(subset=["actual"])
    fig.add_trace(go.Scatter(x=done.day, y=done.actual, name="Actual", mode="lines", line=dict(color=colour, width=3),
                             hovertemplate=f"Actual {money}<extra></extra>"))
    if not ahead.empty:
        fig.add_trace(go.Scatter(x=ahead.day, y=ahead.forecast, name="Forecast", mode="lines",
                                 line=dict(color=FORECAST, width=2, dash="dot"),
                                 hovertemplate=f"Forecast {money}<extra></extra>"))
    if s.overrun:
        fig.add_vline(x=pd.Timestamp(s.overrun).value / 1e6, line=dict(color=OVER, width=1, dash="dot"),
                      annotation_text=f"over budget {s.overrun:%d %b}", annotation_font_color=OVER)
    _axis(fig, cur)
    fig.update_layout(title=dict(text=f"{s.budget.owner} · {s.budget.period} · {s.metric} cost", x=0, font_size=14))
    return fig
