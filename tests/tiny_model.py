"""Builds a tiny BERT on the fly, so tests train real models in seconds without a network.

The vocabulary is a WordPiece model trained with `tokenizers` on a few hundred generated
sentences; the encoder has hidden size 32 and one layer (about 40k parameters).
"""

from __future__ import annotations

from pathlib import Path

WORDS = (
    "the a man woman child dog cat bird car plane train boat house city park river road "
    "is are was plays runs eats reads drives flies sits walks sings cooks writes swims "
    "quickly slowly happily loudly quietly red blue green small large old new happy sad "
    "guitar piano ball book pizza cheese flute table window street garden kitchen music "
    "what how why where who when question answer search query document paris london river "
    "capital france england water fire engine computer phone apple banana orange coffee tea"
).split()
SEED = 0  # the tiny BERT's initial weights


def corpus(n: int = 400) -> list[str]:
    """Deterministic sentences over WORDS, enough to train a WordPiece vocab."""
    out = []
    for i in range(n):
        k = 4 + i % 6
        out.append(" ".join(WORDS[(i * 7 + j * 13) % len(WORDS)] for j in range(k)) + ".")
    return out


def build_tiny_bert(folder: str | Path) -> Path:
    """Write a plain transformers BERT (model + fast tokenizer) into `folder` and return it."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(corpus(), trainers.WordPieceTrainer(vocab_size=400, special_tokens=special))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    fast = BertTokenizerFast(tokenizer_object=tok, model_max_length=64)
    fast.save_pretrained(folder)
    config = BertConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    import torch

    with torch.random.fork_rng(devices=[]):  # the same weights every time: a test's verdict never rests on a draw
        torch.manual_seed(SEED)
        model = BertModel(config)
    model.save_pretrained(folder)
    return folder


def build_tiny_model_with_prompts(folder: str | Path, prompts: dict[str, str], default_prompt_name: str | None = None) -> Path:
    """A sentence-transformers model (the tiny BERT, mean pooling) that declares `prompts` in its
    config_sentence_transformers.json, as e5, Qwen3-Embedding or EmbeddingGemma do."""
    from sentence_transformers import SentenceTransformer

    folder = Path(folder)
    bert = build_tiny_bert(folder / "bert")
    model = SentenceTransformer(str(bert), prompts=prompts, default_prompt_name=default_prompt_name)
    model.save(str(folder / "model"))
    return folder / "model"


REMOTE_CODE = '''"""A custom architecture shipped with the model, as nomic-embed or arctic-embed v2 ship theirs."""
from transformers import BertConfig, BertModel


class TinyCustomConfig(BertConfig):
    model_type = "tiny-custom"


class TinyCustomModel(BertModel):
    config_class = TinyCustomConfig
'''


def build_tiny_remote_code_model(folder: str | Path) -> Path:
    """The tiny BERT as a model whose architecture is code in its own folder (config.json's `auto_map`):
    it loads only with trust_remote_code."""
    import json

    folder = build_tiny_bert(folder)
    (folder / "tiny_custom.py").write_text(REMOTE_CODE, encoding="utf-8")
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config |= {
        "model_type": "tiny-custom",
        "architectures": ["TinyCustomModel"],
        "auto_map": {"AutoConfig": "tiny_custom.TinyCustomConfig", "AutoModel": "tiny_custom.TinyCustomModel"},
    }
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder
