"""Figures of a run: training loss (raw and smoothed) and the primary metric with its baseline.

The Train tab redraws them whenever the run logs, for every page that watches, so they are built
as plotly's JSON (plain dicts) rather than `go.Figure` objects: a `go.Figure` validates every
property and deep-copies its template on creation, which took about 100 ms of CPU per redraw on
a 2-core machine (bench/load.py, profiled) and so slowed the run being watched. The look is the
same: the `plotly_white` template, converted once.
"""

from __future__ import annotations

import functools
import json

from core.recipes import METRIC_LABELS

__all__ = [
    "BASE_KEPT_STAR",
    "LAYOUT",
    "SAVED_STAR",
    "figure_json",
    "loss_figure",
    "metric_figure",
    "metric_title",
    "readable_metric",
]

LAYOUT = {
    "height": 320,
    "margin": {"l": 60, "r": 20, "t": 70, "b": 50},
    "template": "plotly_white",
    # above the plot, right-aligned under the title's line: it never covers the step axis or the curves
    "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom"},
}


WORDS = {"spearman": "Spearman", "pearson": "Pearson", "average_precision": "average precision", "f1": "F1"}


def readable_metric(key: str) -> str:
    """An evaluator's key as a person reads it: `valid_cosine_ndcg@10` -> `ndcg@10 (cosine)`,
    `valid_spearman_cosine` -> `Spearman (cosine)`, `valid_dim_64_cosine_accuracy` -> `accuracy (cosine, dim 64)`."""
    name, notes = key.removeprefix("valid_"), []
    if name.startswith("dim_"):
        dim, _, name = name.removeprefix("dim_").partition("_")
        notes.append(f"dim {dim}")
    if "cosine" in name.split("_"):
        name = "_".join(part for part in name.split("_") if part != "cosine")
        notes.insert(0, "cosine")
    name = WORDS.get(name, name.replace("_", " "))
    return name + (f" ({', '.join(notes)})" if notes else "")


def metric_title(primary_key: str | None, fallback: str | None = None) -> str:
    """A readable name for the evaluator's key (`valid_spearman_cosine` -> `Spearman (cosine)`)."""
    key = primary_key or ""
    for suffix, name in METRIC_LABELS.items():
        if key.endswith(suffix):
            return name
    return fallback or key or "metric"


@functools.cache
def _template() -> dict:
    """LAYOUT's template as plotly JSON (made once)."""
    import plotly.io as pio
    from plotly.utils import PlotlyJSONEncoder

    return json.loads(json.dumps(pio.templates[LAYOUT["template"]].to_plotly_json(), cls=PlotlyJSONEncoder))


def _layout(title: str, y_title: str) -> dict:
    return {
        **LAYOUT,
        "template": _template(),
        "title": {"text": title},
        "xaxis": {"title": {"text": "optimizer step"}},
        "yaxis": {"title": {"text": y_title}},
    }


MIN_SPAN = 0.1  # a metric axis spans at least this much, so that a change of 0.01 does not look like a cliff


def metric_range(values: list[float], baseline: float | None) -> list[float]:
    """The y range of a metric plot: every value and the baseline, at least MIN_SPAN wide, within [-1, 1] plus a
    margin for the markers (every metric the studio reports lies in [-1, 1], most in [0, 1])."""
    shown = [v for v in [*values, baseline] if v is not None]
    if not shown:
        return [0.0, 1.0]
    low, high = min(shown), max(shown)
    pad = max((MIN_SPAN - (high - low)) / 2, 0.0) + 0.01
    low, high = low - pad, high + pad
    if high > 1.02:
        low, high = low - (high - 1.02), 1.02
    return [max(low, -1.02), high]


def _line(x, y, name: str, **style) -> dict:
    return {"type": "scatter", "x": list(x), "y": list(y), "name": name, **style}


def loss_figure(series: dict) -> dict:
    """The loss at each logged step, raw (faint) and smoothed."""
    return {
        "data": [
            _line(series["step"], series["loss"], "loss", mode="lines+markers", opacity=0.35, marker={"size": 4}),
            _line(series["step"], series["smoothed"], "smoothed", mode="lines", line={"width": 3}),
        ],
        "layout": _layout("Training loss", "loss"),
    }


SAVED_STAR = {"symbol": "star", "size": 14}  # the saved model's figure, on every metric plot


BASE_KEPT_STAR = "the base model, kept"  # what the star stands for when do no harm kept the base model


def metric_figure(series: dict, title: str, baseline: float | None, baseline_name: str = "before training") -> dict:
    """The primary metric at each evaluation, the saved model's (a star) and the base model's (a dashed line; a
    reranker's: the search model's own ranking, `baseline_name` "search alone")."""
    data = [_line(series["step"], series["value"], f"{title} during training", mode="lines+markers")]
    if series.get("final"):
        step, value = series["final"]
        name = f"saved model: {BASE_KEPT_STAR}" if series.get("kept_base") else "saved model"
        data.append(_line([step], [value], name, mode="markers", marker=SAVED_STAR))
    layout = _layout(f"Validation {title}", title)
    finals = [series["final"][1]] if series.get("final") else []
    layout["yaxis"]["range"] = metric_range([*series["value"], *finals], baseline)
    if baseline is not None:
        line = {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": baseline, "y1": baseline}
        layout["shapes"] = [{**line, "line": {"dash": "dash", "color": "gray"}}]
        layout["annotations"] = [
            {"text": f"{baseline_name} {baseline:.4f}", "xref": "x domain", "x": 1, "yref": "y", "y": baseline,
             "showarrow": False, "xanchor": "right", "yanchor": "bottom"}
        ]  # fmt: skip
    return {"data": data, "layout": layout}


def figure_json(figure: dict) -> str:
    """A figure as the JSON gr.Plot sends to the page."""
    return json.dumps(figure, allow_nan=False, default=float)
