"""The data check: prepare the data as training would (nothing is written) and measure token lengths.

The Data tab's report comes from here. Token lengths need the model's tokenizer: with `load` the
chosen model is loaded (and kept for reuse); otherwise they are measured only when that model is
already loaded, and the report says how to get them.
"""

from __future__ import annotations

from typing import Any

from core.config import TrainConfig
from core.data.load import load_training_data
from core.data.report_text import report_markdown
from core.data.token_stats import token_lengths
from core.errors import NOT_READY, DataError, StudioError
from core.training.readiness import readiness

__all__ = ["check_data", "check_data_markdown", "not_ready"]


def check_data(config: TrainConfig, *, load: bool = True) -> dict[str, Any]:
    """The data report of `config` (data_report.json's facts) plus `readiness` (what would stop the run or weaken
    it, core.training.readiness) and `token_lengths` or a note on why not.

    Raises:
        DataError: no table yet, or what reading and preparing found wrong.
    """
    from core.inference.cache import cached_model, peek_model
    from core.inference.models import model_token_limit

    if not config.data_path:
        raise DataError("data_path: no table yet; upload a file, type a Hub dataset id, or pick a bundled example")
    data = load_training_data(config)
    report = dict(data.report)
    ready = readiness(config, data.recipe, data.prepared)
    report["readiness"] = {"blockers": ready.blockers, "warnings": ready.warnings}
    model, why = peek_model(config.model), "press “Check data” or “Load model facts” to measure them against max_seq_length"
    if model is None and load:
        try:
            model = cached_model(config.model)
        except StudioError as exc:  # the data report stands without them
            why = f"not measured: {exc}"
    if model is not None:
        limit = model_token_limit(model)
        texts = data.texts(distinct=False)
        report["token_lengths"] = token_lengths(
            texts, model.tokenizer, min(config.max_seq_length, limit or config.max_seq_length)
        )
    else:
        report["token_lengths_note"] = why
    return report


def check_data_markdown(config: TrainConfig, *, load: bool = True) -> str:
    """check_data as the Markdown the Data tab shows."""
    return report_markdown(check_data(config, load=load))


def not_ready(report: dict) -> str | None:
    """Why a run of this data report cannot start (its readiness blockers, one message), or None when it can."""
    blockers = report.get("readiness", {}).get("blockers")
    return f"{NOT_READY}: " + "; ".join(blockers) + "." if blockers else None
