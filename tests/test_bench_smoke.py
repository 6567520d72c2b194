"""Each bench script runs on a tiny slice (no timing is asserted: figures live in bench/results)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.recipes import RECIPES

ROOT = Path(__file__).resolve().parents[1]


def run_bench(name: str, *argv: str) -> None:
    """A bench that trains in its own process only: its main() here, as `python bench/<name>.py` calls it (the
    interpreter's imports paid once). The benches that start the app or the studio's child run as scripts."""
    module = importlib.import_module(f"bench.{name}")
    assert module.main([str(a) for a in argv]) == 0


@pytest.mark.slow
def test_overhead_bench_runs_on_a_tiny_slice(tmp_path, tiny_model, shared_data):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "overhead.py"), "--rows", "24", "--repeats", "1",
         "--model", tiny_model, "--batch-size", "8", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "overhead.json").read_text())
    assert set(result["runs"]) == {"studio", "plain"}
    assert result["ratios"]["samples_per_second_ratio"] > 0 and result["ratios"]["peak_memory_ratio"] > 0
    assert "studio / plain" in (tmp_path / "overhead.md").read_text()


@pytest.mark.slow
def test_lora_bench_compares_trainable_parameters_memory_and_speed_with_full_fine_tuning(tmp_path, tiny_model, shared_data):
    run_bench("lora", "--model", tiny_model, "--rows", "24", "--repeats", "1", "--out", str(tmp_path))
    summary = next(iter(json.loads((tmp_path / "lora.json").read_text())["summary"].values()))
    assert 0 < summary["lora"]["trainable"] < summary["full"]["trainable"] == summary["full"]["parameters"]
    assert summary["speed_ratio"] > 0 and summary["memory_ratio"] > 0


@pytest.mark.slow
def test_time_to_quality_bench_runs_on_a_tiny_slice(tmp_path, tiny_model, shared_data):
    run_bench("time_to_quality", "--rows", "48", "--dev-rows", "24", "--model", tiny_model, "--out", str(tmp_path))
    summary = json.loads((tmp_path / "time_to_quality.json").read_text())["summary"]
    assert {"baseline", "autotrain_final", "studio_final", "time_ratio"} <= set(summary)
    assert "AutoTrain defaults" in (tmp_path / "time_to_quality.md").read_text()


@pytest.mark.slow
def test_stsb_sweep_bench_records_a_curve_per_setting(tmp_path, tiny_model, shared_data):
    settings = ["--settings", "8:5e-5", "16:1e-4"]
    run_bench(
        "stsb_sweep", "--rows", "48", "--dev-rows", "24", "--epochs", "1", *settings, "--model", tiny_model, "--out", tmp_path
    )
    runs = json.loads((tmp_path / "stsb_sweep.json").read_text())["runs"]
    assert [(r["batch_size"], r["lr"]) for r in runs] == [(8, 5e-5), (16, 1e-4)]
    assert all(len(r["curve"]) >= 4 for r in runs)  # 4 evaluations per epoch
    assert "| 16 | 0.0001 |" in (tmp_path / "stsb_sweep.md").read_text()


@pytest.mark.slow
def test_trainer_defaults_bench_measures_each_trainer_type_on_held_out_real_data(tmp_path, tiny_model, shared_data):
    run_bench("trainer_defaults", "--rows", "600", "--epochs", "1", "--model", tiny_model, "--out", str(tmp_path))
    runs = json.loads((tmp_path / "trainer_defaults.json").read_text())["runs"]
    assert {r["trainer"] for r in runs} == {"pair_score", "pair_class", "qa", "triplet", "pair", "single_class"}
    by_study = {r["study"]: r for r in runs}
    assert set(by_study["qa_labelled"]["held_out_after"]) == {"ndcg@10", "mrr@10"}
    assert set(by_study["triplet_snli"]["held_out_after"]) == {"stsb_spearman", "triplet_accuracy"}
    assert set(by_study["single_class_banking77"]["held_out_after"]) == {"ndcg@10", "knn_accuracy"}
    assert by_study["single_class_banking77"]["metric"] == "ndcg@10"
    # every run trains with the trainer type's own defaults, recorded in its config.yaml
    assert by_study["qa_positives"]["config"]["lr"] == RECIPES["qa"].defaults.lr
    table = (tmp_path / "trainer_defaults.md").read_text()
    assert "| pair_class | MRPC |" in table and "same direction" in table


@pytest.mark.slow
def test_startup_bench_times_the_app_against_a_gradio_hello_world(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "startup.py"), "--repeats", "1", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "startup.json").read_text())
    assert set(result["runs"]) == {"hello_world", "app"} and result["ratio"] > 0


@pytest.mark.slow
def test_examples_bench_trains_a_bundled_example(tmp_path, tiny_model):
    run_bench("examples", "--epochs", "1", "--only", "pair", "--model", tiny_model, "--out", str(tmp_path))
    (run,) = json.loads((tmp_path / "examples.json").read_text())["runs"]
    assert run["trainer"] == "pair" and run["metric"] == "ndcg@10"


@pytest.mark.slow
def test_search_bench_measures_encode_ratio_and_query_latency(tmp_path, tiny_model, shared_data):
    run_bench("search", "--rows", "64", "--sizes", "500", "--queries", "5", "--model", tiny_model, "--out", str(tmp_path))
    result = json.loads((tmp_path / "search.json").read_text())
    assert result["ratio"] > 0 and result["latency"]["500"]["p95_ms"] > 0


@pytest.mark.slow
def test_load_bench_polls_a_training_run_from_several_sessions(tmp_path, tiny_model, shared_data):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), "--rows", "200", "--clients", "3",
         "--model", tiny_model, "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "load.json").read_text())
    assert result["watched"]["polls"] > 0 and result["watched"]["failed_polls"] == 0 and result["ratio"] > 0
    watched = result["results"][-1]
    assert watched["pages"] == 3 and watched["server_cpu_ms_per_refresh"] is not None and watched["p95_ms"] >= watched["p50_ms"]


@pytest.mark.slow
def test_export_bench_compares_pytorch_with_onnx_fp32_and_int8_each_in_its_own_process(tmp_path, tiny_model, shared_data):
    run_bench("export", "--rows", "64", "--model", tiny_model, "--out", str(tmp_path))
    result = json.loads((tmp_path / "export.json").read_text())
    assert [r["variant"] for r in result["results"]] == ["pytorch", "fp32", "int8"]
    assert result["agreement"]["fp32"]["min_cosine"] >= 0.9999
    assert all(r["sentences_per_s"] > 0 and r["peak_mb"] > 0 and -1 <= r["spearman"] <= 1 for r in result["results"])


@pytest.mark.slow
def test_rerank_bench_reports_search_alone_and_reranked_ndcg_with_the_reranker_s_cost(tmp_path, tiny_model, shared_data):
    run_bench("rerank", "--rows", "300", "--only", "SNLI triplets", "--model", tiny_model, "--out", str(tmp_path))
    (result,) = json.loads((tmp_path / "rerank.json").read_text())["results"]
    assert result["held_out_queries"] == 60  # 20% of the 300 premises
    assert all(0 <= v <= 1 for v in [*result["top20"].values(), *result["in_app"].values()])
    assert result["pairs_per_second"] > 0 and result["ms_per_query_k100"] > result["ms_per_query_k20"] > 0
    assert "search alone → reranked" in (tmp_path / "rerank.md").read_text()


@pytest.mark.slow
def test_run_start_bench_times_a_cold_start_against_a_fork_from_the_prefork(tmp_path, tiny_model, shared_data, monkeypatch):
    from core.training.prefork import PREFORK_ENV

    for name in ("SBERT_STUDIO_RUNS", PREFORK_ENV):  # the bench sets them in this process: put back after the test
        monkeypatch.setenv(name, os.environ.get(name, "1"))
    run_bench("run_start", "--rows", "60", "--repeats", "1", "--model", tiny_model, "--out", str(tmp_path))
    result = json.loads((tmp_path / "run_start.json").read_text())
    assert len(result["seconds"]["cold"]) == len(result["seconds"]["forked"]) == 1
    assert result["ratio"] > 0 and result["prefork_rss_mb"] > 0
    assert "forked / cold" in (tmp_path / "run_start.md").read_text()
