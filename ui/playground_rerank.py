"""The Playground's "Search, then rerank": the picked embedding model finds the corpus's top k, a reranker run
(trainer type rerank, a CrossEncoder) reorders them; both lists side by side, how far each text moved, and what
each step cost. The corpus and the query are the Playground's own (ui.playground_tab)."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pandas as pd

from core.errors import DataError
from core.inference.search import clean_texts, corpus_embeddings, search
from core.runs.index import model_choices
from ui.errors import friendly
from ui.outputs import Outputs
from ui.playground_tab import PROGRESS, _allowed, _corpus, _model, _moved
from ui.visitor import visitor

__all__ = ["build", "follow", "reranker_choices", "search_rerank", "wire"]


@friendly
def search_rerank(
    model_ref: str,
    reranker_ref: str,
    corpus_text: str,
    query: str,
    top_k: float = 20,
    loaded=None,
    progress=PROGRESS,
    request: gr.Request = None,
    profile: gr.OAuthProfile | None = None,
) -> dict:
    """Search with the picked embedding model, then rerank its top k with a reranker run: {retrieved, reranked,
    latency}; each reranked hit says how far it moved."""
    from core.inference.cache import cached_reranker
    from core.inference.rerankers import is_cross_encoder, search_then_rerank

    _allowed(request, profile, model_ref, reranker_ref)
    reranker_ref = (reranker_ref or "").strip()
    if not reranker_ref:
        raise DataError("pick a reranker: train one with trainer type rerank (Model tab), or type a reranker's folder")
    if not is_cross_encoder(reranker_ref):
        raise DataError(f"'{reranker_ref}' is not a reranker (a CrossEncoder); pick a run of trainer type rerank")
    corpus = _corpus(corpus_text, loaded)
    model, reranker = _model(model_ref), cached_reranker(reranker_ref)
    corpus_embeddings(model_ref, model, corpus, progress=lambda f, m: progress(f, desc=m))  # searched once, not timed

    def retrieve(text: str, k: int) -> list[dict]:
        return search(model_ref, model, corpus, text, top_k=k)

    out = search_then_rerank(retrieve, reranker, clean_texts([query], "the query", limit=1)[0], top_k=max(1, int(top_k or 20)))
    retrieved = [{"rank": h["rank"], "score": round(h["score"], 4), "text": h["text"]} for h in out["retrieved"]]
    reranked = [
        {"rank": h["rank"], "moved": _moved(h["retriever_rank"], h["rank"]), "search rank": h["retriever_rank"],
         "score": round(h["score"], 4), "text": h["text"]}
        for h in out["reranked"]
    ]  # fmt: skip
    latency = (
        f"search **{out['search_ms']:.0f} ms** (the query encoded, {len(corpus):,} texts compared) · rerank "
        f"**{out['rerank_ms']:.0f} ms** ({len(retrieved)} pairs read by the reranker)"
    )
    return {"retrieved": pd.DataFrame(retrieved), "reranked": pd.DataFrame(reranked), "latency": latency}


def reranker_choices(request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
    """The visitor's reranker runs, newest first (the value is left alone)."""
    choices = model_choices(viewer=visitor(request, profile), rerankers=True)
    return gr.update(choices=choices)


def follow(model_path: str | None, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
    """A reranker run this page watched has ended: it is picked (the list read again to hold it)."""
    from core.inference.rerankers import is_cross_encoder

    if not model_path or not is_cross_encoder(model_path):
        return gr.update()
    return gr.update(choices=model_choices(viewer=visitor(request, profile), rerankers=True), value=model_path)


def build(ui: SimpleNamespace) -> None:
    with gr.Accordion("Search, then rerank", open=False, elem_id="pg-rerank") as ui.rerank_panel:
        gr.Markdown(
            "The picked model finds the corpus's top k for the query above; a reranker (a run of trainer type "
            "`rerank`) reads each (query, text) pair and reorders them. Both lists, how far each text moved, and what "
            "each step costs."
        )
        rerankers = model_choices(rerankers=True)
        with gr.Row():
            ui.reranker = gr.Dropdown(
                rerankers, value=rerankers[0][1] if rerankers else None, label="Reranker (a rerank run, or a folder)",
                allow_custom_value=True, elem_id="pg-reranker", scale=3,
            )  # fmt: skip
            ui.rerank_k = gr.Number(
                20, label="k (candidates)", precision=0, minimum=1, maximum=200, elem_id="pg-rerank-k", scale=1
            )
        ui.rerank_button = gr.Button("Search, then rerank", elem_id="pg-rerank-run")
        ui.rerank_latency = gr.Markdown(elem_id="pg-rerank-latency")
        with gr.Row(visible=False) as ui.rerank_box:
            ui.retrieved = gr.Dataframe(label="Search alone (the picked model)", elem_id="pg-retrieved", wrap=True)
            ui.reranked = gr.Dataframe(label="Reranked (moved: places against search alone)", elem_id="pg-reranked", wrap=True)


def wire(ui: SimpleNamespace, shown_in) -> None:
    reranked = Outputs(retrieved=ui.retrieved, reranked=ui.reranked, latency=ui.rerank_latency)
    rerank_in = [ui.model, ui.reranker, ui.corpus_text, ui.query, ui.rerank_k, ui.corpus]
    ui.rerank_button.click(
        shown_in(reranked(search_rerank), [], ui.rerank_box),
        rerank_in,
        [*reranked.targets, ui.rerank_box],
        api_name="search_rerank",
    )
    ui.refresh.click(reranker_choices, None, ui.reranker, api_visibility="undocumented")
