"""Plotly figures of a run: training loss (raw and smoothed) and the primary metric with its baseline."""

from __future__ import annotations

import plotly.graph_objects as go

from core.recipes import METRIC_LABELS

__all__ = ["loss_figure", "metric_figure", "metric_title"]

LAYOUT = {
    "height": 320,
    "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
    "template": "plotly_white",
    "legend": {"orientation": "h"},
}


def metric_title(primary_key: str | None, fallback: str | None = None) -> str:
    """A readable name for the evaluator's key (`valid_spearman_cosine` -> `Spearman (cosine)`)."""
    key = primary_key or ""
    for suffix, name in METRIC_LABELS.items():
        if key.endswith(suffix):
            return name
    return fallback or key or "metric"


def loss_figure(series: dict) -> go.Figure:
    fig = go.Figure(layout={**LAYOUT, "title": "Training loss", "xaxis_title": "step"})
    fig.add_scatter(x=series["step"], y=series["loss"], mode="lines+markers", name="loss", opacity=0.35, marker={"size": 4})
    fig.add_scatter(x=series["step"], y=series["smoothed"], mode="lines", name="smoothed", line={"width": 3})
    return fig


def metric_figure(series: dict, title: str, baseline: float | None) -> go.Figure:
    fig = go.Figure(layout={**LAYOUT, "title": f"Validation {title}", "xaxis_title": "step"})
    fig.add_scatter(x=series["step"], y=series["value"], mode="lines+markers", name=f"{title} during training")
    if series.get("final"):
        step, value = series["final"]
        fig.add_scatter(x=[step], y=[value], mode="markers", name="saved model", marker={"symbol": "star", "size": 14})
    if baseline is not None:
        fig.add_hline(y=baseline, line_dash="dash", line_color="gray", annotation_text=f"before training {baseline:.4f}")
    return fig
