"""What a person serving the exported graph reads: the folder's README (with a 10-line example that needs only
onnxruntime, tokenizers and numpy) and the model card's section with the export's figures."""

from __future__ import annotations

from core.runs.folder import RunFolder

__all__ = ["CARD_END", "CARD_START", "card_section", "example", "serving_readme", "tokenizer_fields", "without_card_section"]

CARD_START = "<!-- sbert-studio: onnx export -->"
CARD_END = "<!-- /sbert-studio: onnx export -->"


def tokenizer_fields(model) -> dict:
    """What a server sets on the folder's tokenizer.json (export.json records it): truncation length and padding."""
    return {
        "max_seq_length": model.max_seq_length,
        "pad_id": model.tokenizer.pad_token_id or 0,
        "pad_token": model.tokenizer.pad_token or "[PAD]",
    }


def example(model_dir: str, graph: str, *, max_length: int, pad_id: int, pad_token: str, prompt: str = "") -> str:
    """Embed texts with the graph and the folder's tokenizer.json only (no torch, no sentence-transformers)."""
    texts = '["I was charged twice", "Why do I see two payments?"]'
    return f'''import numpy as np, onnxruntime as ort
from tokenizers import Tokenizer

tokenizer = Tokenizer.from_file("{model_dir}/tokenizer.json")
tokenizer.enable_truncation(max_length={max_length})
tokenizer.enable_padding(pad_id={pad_id}, pad_token="{pad_token}")
session = ort.InferenceSession("{model_dir}/onnx/{graph}", providers=["CPUExecutionProvider"])
batch = tokenizer.encode_batch({f"[{prompt!r} + t for t in {texts}]" if prompt else texts})
fields = {{"input_ids": "ids", "attention_mask": "attention_mask", "token_type_ids": "type_ids"}}
feed = {{i.name: np.array([getattr(e, fields[i.name]) for e in batch], dtype=np.int64) for i in session.get_inputs()}}
embeddings = session.run(["sentence_embedding"], feed)[0]
print(embeddings @ embeddings.T / np.outer(*[np.linalg.norm(embeddings, axis=1)] * 2))  # cosine similarities
'''


def serving_readme(folder: RunFolder, model, record: dict) -> str:
    graph = "model_int8.onnx" if "int8" in record else "model.onnx"
    prompt = (model.prompts or {}).get("query") or ""
    code = example(
        str(folder.model_dir), graph, max_length=record["max_seq_length"], pad_id=record["pad_id"],
        pad_token=record["pad_token"], prompt=prompt,
    )  # fmt: skip
    lines = [
        f"# ONNX export of run {folder.name}",
        "",
        f"`model.onnx` (fp32) takes {', '.join(f'`{n}`' for n in record['inputs'])} (batch and length dynamic) and "
        "returns `sentence_embedding`: the model's pooling, Dense layers and normalisation are inside the graph.",
        *(
            [f"`model_int8.onnx`: the same graph with int8 weights ({record['int8']['quantisation']}), faster on CPU."]
            if "int8" in record
            else []
        ),
        "",
        card_section(record),
        "Embed texts with onnxruntime and the folder's `tokenizer.json` only:",
        "",
        "```python",
        code.rstrip("\n"),
        "```",
        *([f"\nQueries read the model's query prompt {prompt!r} before them (documents: the model's own)."] if prompt else []),
        "",
    ]
    return "\n".join(lines)


def without_card_section(card: str) -> str:
    """The model card without the export's section (a push that leaves the ONNX files out)."""
    if CARD_START not in card or CARD_END not in card:
        return card
    return card[: card.index(CARD_START)].rstrip("\n") + "\n" + card[card.index(CARD_END) + len(CARD_END) :].lstrip("\n")


def card_section(record: dict) -> str:
    fp32 = record["fp32"]
    lines = [
        CARD_START,
        "## ONNX export (SBERT Studio)",
        "",
        f"- `onnx/model.onnx`: fp32, {fp32['megabytes']} MB; its embeddings match the PyTorch model's "
        f"(cosine at least {fp32['min_cosine']:.6f}, mean {fp32['mean_cosine']:.6f}, on {record['checked_on']})",
    ]
    if "int8" in record:
        q = record["int8"]
        line = (
            f"- `onnx/model_int8.onnx`: int8, {q['megabytes']} MB; cosine with the PyTorch model at least "
            f"{q['min_cosine']:.4f}, mean {q['mean_cosine']:.4f}"
        )
        if q.get("metric"):
            line += f"; validation {q['metric']} {q['metric_pytorch']:.4f} with PyTorch → {q['metric_int8']:.4f} int8"
        lines.append(line)
    return "\n".join([*lines, CARD_END, ""])
