"""Plotly figure builders: they return figures and never draw (pages call st.plotly_chart).

Colours are fixed per provider and per series role so a chart reads the same on every
page and in the PDF statements.
"""

import plotly.graph_objects as go

from lib.core.money import SYMBOLS

PROVIDER_COLOURS = {"AWS": "#FF9900", "Microsoft": "#0078D4", "Azure": "#0078D4", "Google Cloud": "#34A853",
                    "Oracle": "#C74634"}
PALETTE = ["#4C6EF5", "#12B886", "#FAB005", "#FA5252", "#7950F2", "#15AABF", "#E64980", "#82C91E", "#FD7E14",
           "#868E96"]
UNALLOCATED_COLOUR = "#ADB5BD"


def colour_for(name: str, i: int) -> str:
    if name == "Unallocated":
        return UNALLOCATED_COLOUR
    return PROVIDER_COLOURS.get(name, PALETTE[i % len(PALETTE)])


def _layout(fig: go.Figure, currency: str, height: int = 320) -> go.Figure:
    prefix = SYMBOLS.get(currency, "")
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), plot_bgcolor="white",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0), hovermode="x unified",
                      font=dict(size=13))
    fig.update_yaxes(tickprefix=prefix, ticksuffix="" if prefix else f" {currency}", gridcolor="#EEE",
                     separatethousands=True, zeroline=True, zerolinecolor="#CCC")
    return fig


def bars(labels: list[str], amounts: list, currency: str, horizontal: bool = True) -> go.Figure:
    """One bar per label (amounts as Decimal), biggest first, coloured by provider when known."""
    values = [float(a) for a in amounts]
    colours = [colour_for(str(label), i) for i, label in enumerate(labels)]
    prefix = SYMBOLS.get(currency, "")
    hover = f"%{{{'y' if horizontal else 'x'}}}: {prefix}%{{{'x' if horizontal else 'y'}:,.2f}}<extra></extra>"
    if horizontal:
        fig = go.Figure(go.Bar(y=labels, x=values, orientation="h", marker_color=colours, hovertemplate=hover))
        fig.update_yaxes(autorange="reversed")
        fig = _layout(fig, currency, height=max(220, 34 * len(labels) + 60))
        fig.update_xaxes(tickprefix=prefix, separatethousands=True, gridcolor="#EEE")
        fig.update_yaxes(tickprefix="", ticksuffix="")
        return fig.update_layout(hovermode="closest")
    fig = go.Figure(go.Bar(x=labels, y=values, marker_color=colours, hovertemplate=hover))
    return _layout(fig, currency)


def stacked_daily(days, keys, amounts, currency: str) -> go.Figure:
    """Daily spend stacked by a key (provider, team, service)."""
    fig = go.Figure()
    prefix = SYMBOLS.get(currency, "")
    for i, key in enumerate(dict.fromkeys(keys)):
        xs = [d for d, k in zip(days, keys) if k == key]
        ys = [float(a) for a, k in zip(amounts, keys) if k == key]
        fig.add_trace(go.Bar(x=xs, y=ys, name=str(key), marker_color=colour_for(str(key), i),
                             hovertemplate=f"{key}: {prefix}%{{y:,.2f}}<extra></extra>"))
    fig.update_layout(barmode="relative")
    return _layout(fig, currency)


def line(xs, ys, currency: str, name: str = "", percent: bool = False) -> go.Figure:
    fig = go.Figure(go.Scatter(x=xs, y=[float(y) for y in ys], mode="lines+markers", name=name,
                               line=dict(color=PALETTE[0], width=2)))
    fig = _layout(fig, currency, height=260)
    if percent:
        fig.update_yaxes(tickprefix="", ticksuffix="%")
    return fig
