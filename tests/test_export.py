"""Export for serving: a run's model as an ONNX graph with pooling and normalisation inside, and an int8 copy,
each checked against the trained PyTorch model before it gets its final name."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pytest
from conftest import copy_run

HEAVY = pytest.mark.heavy  # loads or trains a model (every test here but the last)


def _ported(run, **kwargs) -> dict:
    from core.export.run import export_run

    return export_run(run, log=lambda line: None, **kwargs)


@HEAVY
def test_an_exported_run_embeds_like_the_trained_model_at_any_batch_size_and_length(finished_run, tmp_path):
    import onnx
    import onnxruntime
    from sentence_transformers import SentenceTransformer

    run = copy_run(finished_run("pair"), tmp_path, "served")
    record = _ported(run, int8=True)
    onnx_dir = run / "model" / "onnx"
    assert sorted(p.name for p in onnx_dir.iterdir()) == ["README.md", "export.json", "model.onnx", "model_int8.onnx"]
    graph = onnx.load(str(onnx_dir / "model.onnx"))
    assert [i.name for i in graph.graph.input] == ["input_ids", "attention_mask", "token_type_ids"]
    assert [o.name for o in graph.graph.output] == ["sentence_embedding"]

    model = SentenceTransformer(str(run / "model"), device="cpu")
    session = onnxruntime.InferenceSession(str(onnx_dir / "model.onnx"), providers=["CPUExecutionProvider"])
    for texts in (["one"], ["a short one", "a much longer sentence than the first, with many more tokens in it", "x"]):
        features = model.preprocess(texts)
        feed = {name: features[name].numpy() for name in record["inputs"]}
        exported = session.run(["sentence_embedding"], feed)[0]
        reference = model.encode(texts, convert_to_numpy=True)
        cosine = (exported * reference).sum(1) / np.linalg.norm(exported, axis=1) / np.linalg.norm(reference, axis=1)
        assert exported.shape == reference.shape and cosine.min() >= 0.9999

    saved = json.loads((onnx_dir / "export.json").read_text())
    assert saved["fp32"]["min_cosine"] >= 0.9999 and "run's own texts" in saved["checked_on"]
    int8 = saved["int8"]
    assert 0.5 < int8["min_cosine"] <= 1.0
    assert (onnx_dir / "model_int8.onnx").stat().st_size < (onnx_dir / "model.onnx").stat().st_size
    assert int8["metric"] == "ndcg@10" and 0 <= int8["metric_int8"] <= 1 and 0 <= int8["metric_pytorch"] <= 1
    card = (run / "model" / "README.md").read_text()
    assert "## ONNX export (SBERT Studio)" in card and f"{int8['metric_pytorch']:.4f} with PyTorch" in card


@HEAVY
def test_the_readme_example_embeds_with_onnxruntime_and_the_tokenizer_only(finished_run, tmp_path):
    from sentence_transformers import SentenceTransformer

    run = copy_run(finished_run("pair"), tmp_path, "served")
    _ported(run)
    readme = (run / "model" / "onnx" / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    # torch and sentence-transformers made unimportable: the example must not need them
    guard = "import sys; sys.modules['torch'] = None; sys.modules['sentence_transformers'] = None\n"
    out = subprocess.run([sys.executable, "-c", guard + code], capture_output=True, text=True, check=True).stdout
    printed = np.array([float(x) for x in re.findall(r"-?\d+\.\d*(?:e[-+]?\d+)?", out)]).reshape(2, 2)
    model = SentenceTransformer(str(run / "model"), device="cpu")
    pair = model.encode(["I was charged twice", "Why do I see two payments?"], convert_to_tensor=True)
    assert printed[0, 1] == pytest.approx(float(model.similarity(pair, pair)[0, 1]), abs=1e-4)


@HEAVY
def test_exporting_again_replaces_the_graphs_in_one_step_and_keeps_one_card_section(finished_run, tmp_path):
    run = copy_run(finished_run("pair"), tmp_path, "served")
    _ported(run, int8=True)
    _ported(run)  # without --int8: the old int8 copy would not be what export.json describes
    onnx_dir = run / "model" / "onnx"
    assert sorted(p.name for p in onnx_dir.iterdir()) == ["README.md", "export.json", "model.onnx"]
    assert "int8" not in json.loads((onnx_dir / "export.json").read_text())
    assert (run / "model" / "README.md").read_text().count("## ONNX export (SBERT Studio)") == 1


@HEAVY
def test_a_run_whose_data_is_gone_is_checked_on_built_in_sentences_and_says_its_metric_was_not_measured(finished_run, tmp_path):
    import yaml

    run = copy_run(finished_run("pair"), tmp_path, "moved-data")
    config = yaml.safe_load((run / "config.yaml").read_text())
    (run / "config.yaml").write_text(yaml.safe_dump(config | {"data_path": str(tmp_path / "gone.csv")}))
    record = _ported(run, int8=True)
    assert record["checked_on"].endswith("built-in sentences (the run's data could not be read)")
    assert record["fp32"]["min_cosine"] >= 0.9999
    assert record["int8"]["metric"] is None and "not measured" in record["int8"]["metric_note"]
    card = (run / "model" / "README.md").read_text()
    int8_line = next(line for line in card.splitlines() if line.startswith("- `onnx/model_int8.onnx`"))
    assert "validation" not in int8_line  # no figure where none was measured


@HEAVY
def test_a_module_that_does_not_trace_is_named_and_nothing_is_written(tiny_model, tmp_path):
    import torch
    from sentence_transformers import SentenceTransformer

    from core.errors import ExportError
    from core.export.run import export_checked

    class BatchShift(torch.nn.Module):  # reads the batch size as a Python number: the trace keeps it as a constant
        def forward(self, features):
            embedding = features["sentence_embedding"]
            return features | {"sentence_embedding": embedding + float(embedding.shape[0])}

    class Untraceable(torch.nn.Module):
        def forward(self, features):
            if torch.jit.is_tracing():
                raise RuntimeError("data-dependent control flow")
            return features

    texts = [f"sentence {i} " * (i % 5 + 1) for i in range(40)]
    for module, named in ((BatchShift(), r"modules the exporter does not know: module \d \(.*BatchShift\)"),
                          (Untraceable(), r"cannot trace module \d \(.*Untraceable\)")):  # fmt: skip
        model = SentenceTransformer(tiny_model, device="cpu")
        model.append(module)
        with pytest.raises(ExportError, match=named):
            export_checked(model.eval(), tmp_path / "model.onnx", texts)


@HEAVY
def test_a_run_without_a_complete_model_folder_is_refused_by_the_console_with_the_reason(finished_run, tmp_path, capsys):
    import cli

    run = copy_run(finished_run("pair"), tmp_path, "half-copied")
    (run / "model" / "model.safetensors").unlink()  # the weights never arrived
    assert cli.main(["export", str(run), "--onnx"]) == 2
    assert "cannot be loaded" in capsys.readouterr().err and not (run / "model" / "onnx" / "model.onnx").exists()
    (run / "model" / "modules.json").unlink()
    assert cli.main(["export", str(run), "--onnx"]) == 2
    assert "has no saved model" in capsys.readouterr().err
    assert cli.main(["export", str(tmp_path), "--onnx"]) == 2
    assert "is not a run folder" in capsys.readouterr().err


@HEAVY
def test_the_console_exports_a_run_with_its_int8_copy(finished_run, tmp_path, capsys):
    import cli

    run = copy_run(finished_run("pair_score"), tmp_path, "scored")
    assert cli.main(["export", str(run), "--onnx", "--int8"]) == 0
    assert "written:" in capsys.readouterr().out
    saved = json.loads((run / "model" / "onnx" / "export.json").read_text())
    assert saved["int8"]["metric"] == "spearman"


def test_without_onnxruntime_the_export_says_which_package_to_install(monkeypatch):
    import importlib.util

    from core.errors import ExportError
    from core.export.graph import require

    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else found(name, *a))
    with pytest.raises(ExportError, match=r"needs onnxruntime: pip install onnxruntime"):
        require()


@HEAVY
def test_the_runs_tab_exports_the_picked_run_and_says_what_it_got(finished_run, runs_root):
    from ui import runs_tab

    copy_run(finished_run("pair"), runs_root, "my-run")
    note = runs_tab.export_onnx("my-run")
    assert "**my-run** exported to `model/onnx/`" in note and "ndcg@10" in note and "with PyTorch →" in note
    assert (runs_root / "my-run" / "model" / "onnx" / "model_int8.onnx").is_file()
