"""The Train and Runs tabs' plots read as a W&B user expects: titled axes, a range that keeps small changes small."""

from __future__ import annotations

from ui.plots import MIN_SPAN, loss_figure, metric_figure, metric_range, readable_metric


def test_a_small_change_is_drawn_small_and_the_baseline_is_on_the_axis():
    low, high = metric_range([0.949, 0.951], baseline=0.963)
    assert high - low >= MIN_SPAN and low < 0.949 and high > 0.963


def test_a_metric_near_its_ceiling_never_gets_an_axis_beyond_one():
    low, high = metric_range([0.98, 1.0], baseline=0.99)
    assert high <= 1.02 and high - low >= MIN_SPAN


def test_both_plots_title_their_axes_with_the_metric_and_the_step():
    metric = metric_figure({"step": [0, 10], "value": [0.5, 0.6], "final": (10, 0.6)}, "ndcg@10", 0.5)["layout"]
    assert metric["yaxis"]["title"]["text"] == "ndcg@10" and metric["xaxis"]["title"]["text"] == "optimizer step"
    loss = loss_figure({"step": [1, 2], "loss": [1.0, 0.8], "smoothed": [1.0, 0.9]})["layout"]
    assert loss["yaxis"]["title"]["text"] == "loss"


def test_metric_keys_read_as_words_with_their_similarity_and_dimension():
    assert readable_metric("valid_spearman_cosine") == "Spearman (cosine)"
    assert readable_metric("valid_cosine_ndcg@10") == "ndcg@10 (cosine)"
    assert readable_metric("valid_dim_64_cosine_accuracy") == "accuracy (cosine, dim 64)"
