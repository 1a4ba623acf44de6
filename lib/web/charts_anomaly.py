"""The chart of one anomaly: actual vs expected daily cost, the band up to the alert line, the flagged days.

>>> fig = figure(anomalies.history(con, user, anomaly), anomaly)     # doctest: +SKIP
"""

import plotly.graph_objects as go

from lib.web.charts import LINE, _layout

ACTUAL, EXPECTED, BAND, FLAG = LINE, "#868E96", "rgba(134,142,150,0.18)", "#FA5252"


def figure(history, anomaly) -> go.Figure:
    """history: DataFrame day, actual, expected, upper, flagged (from anomalies.history)."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=history.day, y=history.expected, name="expected", mode="lines",
                             line={"color": EXPECTED, "dash": "dash"}))
    fig.add_trace(go.Scatter(x=history.day, y=history.upper, name="alert line", mode="lines",
                             line={"color": EXPECTED, "width": 0.5}, fill="tonexty", fillcolor=BAND))
    fig.add_trace(go.Scatter(x=history.day, y=history.actual, name="actual", mode="lines+markers",
                             line={"color": ACTUAL}, marker={"size": 4}))
    flagged = history[history.flagged]
    fig.add_trace(go.Scatter(x=flagged.day, y=flagged.actual, name="anomalous", mode="markers",
                             marker={"color": FLAG, "size": 10, "symbol": "circle-open", "line": {"width": 2}}))
    fig.add_vrect(x0=anomaly.start, x1=anomaly.end, fillcolor=FLAG, opacity=0.08, line_width=0)
    return _layout(fig, anomaly.currency)
