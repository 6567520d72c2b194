"""A run's prompts: the text put before each input, read from the base model or set by the person.

Many current embedders expect one: e5 "query: " / "passage: ", Qwen3-Embedding an instruction
before queries, EmbeddingGemma "task: search result | query: ". sentence-transformers keeps a
model's prompts in `model.prompts` and `model.default_prompt_name` (its
config_sentence_transformers.json); `encode_query` / `encode_document` pick the query and
document ones.

A run has two prompts, one per side (`Recipe.sides` says each role's side):

- query: `query_prompt` if set, else (with `model_prompts` on) the model's "query" prompt, else its
  default prompt, else none;
- document: `document_prompt` if set, else the model's "document" ("passage", "corpus") prompt,
  else its default prompt, else none.

`apply` writes them into the model, so that every evaluator (which encodes through
`encode_query` / `encode_document`, or `encode` for one-sided trainer types), hard-negative mining
and the saved model read the same text as training (the trainer's `prompts` argument, per
column: `for_columns`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from core.recipes import DOCUMENT, QUERY, LossSpec, Recipe, is_negative_column

__all__ = ["DOCUMENT_NAMES", "Prompts", "apply", "declared", "for_columns", "model_side", "resolve"]

# The names a model's prompts dictionary may give its document prompt, in the order encode_document tries them.
DOCUMENT_NAMES = ("document", "passage", "corpus")


@dataclass(frozen=True)
class Prompts:
    """The run's resolved prompts ("" is none), where each came from, and what the model declared.

    Attributes:
        source: per side, "set" (the person's), "model" (the model's own) or "none".
        declared: the model's prompts dictionary and default prompt name, as loaded.
        warnings: a set prompt that differs from the one the model declares (kept, and said).
    """

    query: str
    document: str
    source: dict[str, str]
    declared: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @classmethod
    def from_record(cls, record: dict) -> Prompts:
        """The Prompts report.json recorded (`record()`); an empty record is a run without prompts."""
        return cls(
            record.get("query") or "",
            record.get("document") or "",
            dict(record.get("source") or {}),
            dict(record.get("declared") or {}),
            tuple(record.get("warnings") or ()),
        )

    def side(self, side: str) -> str:
        return self.query if side == QUERY else self.document

    def record(self) -> dict:
        """What report.json keeps: both sides, their source, and the model's own."""
        out = asdict(self)
        out["warnings"] = list(self.warnings)
        return out

    def describe(self) -> str:
        """`query 'query: ' (the model's), document none` for the log and the model card."""

        def one(side: str) -> str:
            text, source = self.side(side), self.source.get(side)
            return f"{side} {text!r} ({'the base model' if source == 'model' else 'set'})" if text else f"{side} none"

        return f"{one(QUERY)}, {one(DOCUMENT)}"


def declared(model) -> dict:
    """The model's own prompts: {"prompts": {name: text}, "default_prompt_name": name or None}."""
    return {
        "prompts": {k: v for k, v in (getattr(model, "prompts", None) or {}).items() if v is not None},
        "default_prompt_name": getattr(model, "default_prompt_name", None),
    }


def model_side(prompts: dict, default: str | None, side: str) -> str:
    """The prompt a model's `prompts` dictionary and `default_prompt_name` give `side` ("" none): the "query"
    (for documents "document", "passage", "corpus") entry, else the default prompt, as encode_query / encode_document
    pick them."""
    for name in (QUERY,) if side == QUERY else DOCUMENT_NAMES:
        if name in prompts:
            return prompts[name]
    return prompts.get(default, "") if default else ""


def resolve(config, model) -> Prompts:
    """The run's prompts for `config` (query_prompt, document_prompt, model_prompts) on `model` (module docstring)."""
    own = declared(model)
    chosen, source, warnings = {}, {}, []
    for side, wanted in ((QUERY, config.query_prompt), (DOCUMENT, config.document_prompt)):
        theirs = model_side(own["prompts"], own["default_prompt_name"], side)
        if wanted:
            chosen[side], source[side] = wanted, "set"
            if theirs and theirs != wanted:
                warnings.append(
                    f"the {side} prompt {wanted!r} differs from the one model '{config.model}' declares ({theirs!r}); "
                    f"training with {wanted!r}, both recorded in report.json"
                )
        elif config.model_prompts and theirs:
            chosen[side], source[side] = theirs, "model"
        else:
            chosen[side], source[side] = "", "none"
    return Prompts(chosen[QUERY], chosen[DOCUMENT], source, own, tuple(warnings))


def apply(model, prompts: Prompts, recipe: Recipe) -> None:
    """Make `model` encode with the run's prompts: its "query" and "document" prompts become the run's, and for a
    one-sided trainer type (every role a query) its default prompt is the query one, so a plain `encode` (the
    similarity evaluators, the saved model's users) reads what training read. Its other named prompts stay."""
    model.prompts = {**(model.prompts or {}), QUERY: prompts.query, DOCUMENT: prompts.document}
    for name in DOCUMENT_NAMES[1:]:  # encode_document takes "document" first; keep the older names in step
        if name in model.prompts:
            model.prompts[name] = prompts.document
    if recipe.one_sided:
        model.default_prompt_name = QUERY
    elif model.default_prompt_name not in model.prompts:
        model.default_prompt_name = None


def for_columns(prompts: Prompts, recipe: Recipe, loss: LossSpec, columns) -> dict[str, str]:
    """The trainer's `prompts` argument: {prepared text column: its side's prompt}, the sides as the recipe
    declares its prepared columns (Recipe.prepared; negative columns are documents); {} when there are none."""
    sides = {column: side for column, side in recipe.prepared(loss) if side is not None}
    out = {c: prompts.side(sides.get(c, DOCUMENT)) for c in columns if c in sides or is_negative_column(c)}
    return out if any(out.values()) else {}
