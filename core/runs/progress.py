"""What a person reads off a run while it trains: progress with ETA, loss curves, before/after.

Pure functions of a status snapshot (core.runs.state) and the events of metrics.jsonl, so the
UI, the CLI and the tests share them.
"""

from __future__ import annotations

import math
import time
from typing import Any

__all__ = ["before_after", "format_seconds", "loss_series", "metric_series", "progress", "smooth"]

SMOOTHING = 0.6  # weight of the running average in the smoothed loss (TensorBoard's default)


def format_seconds(seconds: float | None) -> str:
    """`1:05:09`, `4:09` or `–` when unknown."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "–"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress(snapshot: dict[str, Any], now: float | None = None) -> dict[str, Any]:
    """Step, total, fraction, epoch, elapsed and ETA of a run.

    The ETA extrapolates the time per step measured since training began (the baseline and model
    loading are not steps); it is None until a step has been taken.
    """
    now = time.time() if now is None else now
    step, total = int(snapshot.get("step") or 0), snapshot.get("max_steps")
    ended = snapshot.get("finished_at")
    begun = snapshot.get("started_at") or snapshot.get("created_at") or now
    elapsed = (ended or now) - begun
    eta = None
    trained_since = snapshot.get("training_started_at")
    if total and step and trained_since and not ended:
        eta = (now - trained_since) / step * max(0, total - step)
    elif ended:
        eta = 0.0
    fraction = min(1.0, step / total) if total else 0.0
    return {
        "step": step,
        "max_steps": total,
        "fraction": fraction,
        "epoch": float(snapshot.get("epoch") or 0.0),
        "elapsed": elapsed,
        "eta": eta,
        "text": f"step {step}/{total or '?'} · epoch {float(snapshot.get('epoch') or 0):.2f} · "
        f"elapsed {format_seconds(elapsed)} · ETA {format_seconds(eta)}",
    }


def smooth(values: list[float], weight: float = SMOOTHING) -> list[float]:
    """Exponential moving average with bias correction (the first point is the first value)."""
    out, avg = [], 0.0
    for i, value in enumerate(values, start=1):
        avg = weight * avg + (1 - weight) * value
        out.append(avg / (1 - weight**i))
    return out


def loss_series(events: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Training loss points: `step`, raw `loss` and `smoothed`."""
    points = [e for e in events if "loss" in e]
    losses = [float(e["loss"]) for e in points]
    return {"step": [int(e["step"]) for e in points], "loss": losses, "smoothed": smooth(losses)}


def metric_series(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The primary metric at each evaluation during training (step 0 is the baseline), and `final`:
    (step, value) of the saved model's evaluation (the best checkpoint when one was selected; the base
    model's when do no harm kept it, `kept_base`; a stopped run's last evaluation), or None while training."""
    points = [e for e in events if e.get("primary") is not None and not e.get("final")]
    final = next((e for e in reversed(events) if e.get("final") and e.get("primary") is not None), None)
    return {
        "step": [int(e["step"]) for e in points],
        "value": [float(e["primary"]) for e in points],
        "final": (int(final["step"]), float(final["primary"])) if final else None,
        "kept_base": bool(final and final.get("kept_base")),
    }


def before_after(events: list[dict[str, Any]], primary_key: str | None = None) -> list[dict[str, Any]]:
    """One row per metric: its value at the baseline, after training (the last evaluation), and the change.

    The primary metric comes first; per-dimension and secondary metrics follow in name order.
    """
    evals = [e for e in events if "metrics" in e]
    if len(evals) < 2:
        return []
    before, after = evals[0]["metrics"], evals[-1]["metrics"]
    names = sorted(set(before) & set(after), key=lambda k: (k != primary_key, k))
    return [
        {"metric": name, "before": before[name], "after": after[name], "change": after[name] - before[name]} for name in names
    ]
