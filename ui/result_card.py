"""The result card: what a person got when a run ended, and what to do with it next.

Shown on the Train tab once a run has ended with a saved model (finished, or stopped with the
weights trained so far): which model was saved (the fine-tuned one, or the base model kept and
why), the main metric before → after in words, and the next steps (try it in the Playground,
download it, push it to the Hub, the lines of Python that load it). The figures are status.json's,
the one verdict every tab shows (core.training.verdict).
"""

from __future__ import annotations

from core.runs.folder import RunFolder
from core.runs.index import is_reranker_run
from ui.plots import metric_title

__all__ = ["card_text", "python_lines"]


def _score(value) -> str:
    return f"{value:.4f}" if isinstance(value, int | float) else "–"


def card_text(snap: dict, base_model: str | None) -> str:
    """The card's Markdown for a run's status `snap` (an ended run with a saved model)."""
    metric = metric_title(snap.get("primary_key"), snap.get("primary_metric"))
    base, final, trained = snap.get("baseline"), snap.get("final"), snap.get("trained")
    source = f" `{base_model}`" if base_model else ""
    if is_reranker_run(snap) and base is not None and final is not None:
        head = f"### Your reranker: trained from{source}"
        return (
            f"{head}\n**{metric}** of your validation queries' candidates: search alone **{_score(base)}** → reranked "
            f"**{_score(final)}** ({final - base:+.4f}). Try it in the Playground's *Search, then rerank*."
        )
    if snap.get("kept_base"):
        return (
            f"### Your model: the base model{source}, kept\n"
            f"Training did not beat it on your validation data ({metric}: base model {_score(base)}, "
            f"best trained weights {_score(trained)}), so the base model was saved unchanged. "
            "Try a lower learning rate, fewer epochs or more rows (Model & trainer tab)."
        )
    stopped = snap.get("state") == "stopped"
    head = f"### Your model: fine-tuned from{source}" + (", stopped early (the weights trained so far)" if stopped else "")
    if base is None or final is None:
        return head + "\nIt was not evaluated (no validation figure)."
    change = final - base
    return f"{head}\n**{metric}** on your validation data **{_score(base)} → {_score(final)}** ({change:+.4f})."


def python_lines(folder: RunFolder, *, remote_code: bool = False) -> str:
    """The lines of Python that load the saved model, encode two texts and compare them (a reranker: score pairs
    and rank a search's results)."""
    extra = ", trust_remote_code=True" if remote_code else ""
    if is_reranker_run(folder.read_status() or {}):
        return (
            "from sentence_transformers import CrossEncoder\n\n"
            f'reranker = CrossEncoder("{folder.model_dir.resolve()}"{extra})\n'
            "# the documents your search model found for the query, best first; the reranker reorders them\n"
            'query = "How do I get my money back?"\n'
            'found = ["Refunds are paid to your card within 5 days.", "Our offices open at 9."]\n'
            "for hit in reranker.rank(query, found):\n"
            '    print(round(float(hit["score"]), 4), found[hit["corpus_id"]])'
        )
    return (
        "from sentence_transformers import SentenceTransformer\n\n"
        f'model = SentenceTransformer("{folder.model_dir.resolve()}"{extra})\n'
        'embeddings = model.encode(["I was charged twice", "Why do I see two payments?"])\n'
        "print(model.similarity(embeddings[0], embeddings[1]))"
    )
