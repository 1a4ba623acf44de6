"""Plotly figure builders: they return figures and never draw (pages call st.plotly_chart).

Series are keyed by id (team, department, provider, service) and drawn with the name and the
colour lib.reports.palette gives that id, so a team has one colour and one name on every page
and in the PDF statements. Amounts are plotted as floats (a chart is a picture); every hover
shows the amount formatted by lib.core.money.fmt from the exact Decimal.

>>> fig = bars(["web", "api"], [Decimal("12.5"), Decimal("3")], "USD", "team", palette)   # doctest: +SKIP
"""

import plotly.graph_objects as go

from lib.core.money import SYMBOLS, fmt
from lib.reports.palette import Palette

LINE = "#1F77B4"


def _layout(fig: go.Figure, currency: str, height: int = 320) -> go.Figure:
    prefix = SYMBOLS.get(currency, "")
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), plot_bgcolor="white",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), hovermode="x unified",
                      font=dict(size=13), hoverlabel=dict(font_size=13))
    fig.update_yaxes(tickprefix=prefix, ticksuffix="" if prefix else f" {currency}", gridcolor="#EEE",
                     separatethousands=True, zeroline=True, zerolinecolor="#CCC", automargin=True)
    fig.update_xaxes(automargin=True)
    return fig


def bars(keys: list, amounts: list, currency: str, kind: str = "other", palette: Palette | None = None,
         horizontal: bool = True) -> go.Figure:
    """One bar per key (amounts as Decimal), in the given order, named and coloured by the palette."""
    palette = palette or Palette()
    labels = [palette.name(kind, k) for k in keys]
    values = [float(a) for a in amounts]
    colours = [palette.colour(kind, k) for k in keys]
    hover = [f"{label}: {fmt(a, currency)}" for label, a in zip(labels, amounts, strict=True)]
    if horizontal:
        fig = go.Figure(go.Bar(y=labels, x=values, orientation="h", marker_color=colours, hovertext=hover,
                               hovertemplate="%{hovertext}<extra></extra>"))
        fig.update_yaxes(autorange="reversed")
        fig = _layout(fig, currency, height=max(220, 30 * len(labels) + 60))
        prefix = SYMBOLS.get(currency, "")
        fig.update_xaxes(tickprefix=prefix, ticksuffix="" if prefix else f" {currency}", separatethousands=True,
                         gridcolor="#EEE")
        fig.update_yaxes(tickprefix="", ticksuffix="")
        return fig.update_layout(hovermode="closest")
    fig = go.Figure(go.Bar(x=labels, y=values, marker_color=colours, hovertext=hover,
                           hovertemplate="%{hovertext}<extra></extra>"))
    return _layout(fig, currency).update_layout(hovermode="closest")


def stacked(xs: list, keys: list, amounts: list, currency: str, kind: str = "other",
            palette: Palette | None = None) -> go.Figure:
    """Spend over time (days or periods) stacked by key, one trace per key, largest total first."""
    palette = palette or Palette()
    totals: dict = {}
    for k, a in zip(keys, amounts, strict=True):
        totals[k] = totals.get(k, 0) + a
    fig = go.Figure()
    for key in sorted(totals, key=lambda k: (-totals[k], str(k))):
        name = palette.name(kind, key)
        rows = [(x, a) for x, k, a in zip(xs, keys, amounts, strict=True) if k == key]
        fig.add_trace(go.Bar(x=[x for x, _ in rows], y=[float(a) for _, a in rows], name=name,
                             marker_color=palette.colour(kind, key), hovertext=[fmt(a, currency) for _, a in rows],
                             hovertemplate=f"{name}: %{{hovertext}}<extra></extra>"))
    fig.update_layout(barmode="relative")
    fig = _layout(fig, currency, height=360)
    fig.update_xaxes(type="category" if xs and isinstance(xs[0], str) else "date", tickformat=None if xs and
                     isinstance(xs[0], str) else "%b %d")
    return fig


def line(xs, ys, currency: str, name: str = "", percent: bool = False, colour: str = LINE) -> go.Figure:
    values = [float(y) for y in ys]
    text = [f"{y:.1f}%" if percent else fmt(y, currency) for y in ys]
    fig = go.Figure(go.Scatter(x=xs, y=values, mode="lines+markers", name=name, line=dict(color=colour, width=2),
                               hovertext=text, hovertemplate="%{x}: %{hovertext}<extra></extra>"))
    fig = _layout(fig, currency, height=260).update_layout(hovermode="closest")
    if percent:
        fig.update_yaxes(tickprefix="", ticksuffix="%")
    return fig

