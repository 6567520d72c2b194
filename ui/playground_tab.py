"""Tab 4, Playground: the fine-tuned model against its base, on your own sentences.

Reads: the two models picked (any finished run, a base model, a local folder), texts typed or a
corpus (pasted, a column of an uploaded table, or a run's training texts). Writes nothing on
disk; corpus embeddings are kept in memory (core.inference.search) so a repeated query is fast.
The `similarity` and `search` handlers take the model reference as their first input, so they
work from gradio_client too.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.catalog import DEFAULT_MODEL
from core.errors import DataError, StudioError
from core.inference.search import clean_texts, corpus_embeddings, pair_similarity, project_2d, search, similarity_matrix
from core.runs.folder import RunFolder
from core.runs.index import base_model_of, model_choices
from core.runs.owner import check_model_ref
from ui.errors import friendly
from ui.outputs import Outputs
from ui.visitor import visitor

__all__ = [
    "build",
    "compare_search",
    "compare_similarity",
    "corpus_from_table",
    "draw_map",
    "matrices",
    "pick_model",
]

MAP_LIMIT = 3000  # texts on the embedding map (an even sample beyond that)
PROGRESS = gr.Progress()  # a handler default: gradio fills it in


def _model(ref: str, *, base_of: str | None = None):
    """The loaded model; `base_of`: the picked run's model when `ref` is its base (a run that trusted its model's
    code loads the base model with it too)."""
    from core.inference.cache import cached_model
    from core.inference.rerankers import is_cross_encoder

    ref = (ref or "").strip()
    if not ref:
        raise DataError("pick a model: a finished run, a base model, or type a local folder")
    if is_cross_encoder(ref):
        raise DataError(
            f"'{ref}' is a reranker (a CrossEncoder): it scores (query, document) pairs and makes no embeddings. "
            "Pick an embedding model here, and the reranker under 'Search, then rerank'"
        )
    return cached_model(ref, base_of=base_of)


def _allowed(request, profile, *refs: str | None) -> None:
    """On a Space, each model named by a path must be the model of one of the visitor's own runs."""
    who = visitor(request, profile)
    for ref in refs:
        check_model_ref(ref, who)


def _corpus(corpus_text: str, loaded: list[str] | None) -> list[str]:
    if corpus_text and corpus_text.strip():
        return clean_texts(corpus_text.splitlines(), "the corpus")
    if loaded:
        return loaded
    raise DataError("the corpus is empty: paste texts (one per line), load a column of a table, or a run's training texts")


@friendly
def compare_similarity(
    model_ref: str,
    base_ref: str,
    text1: str,
    text2: str,
    request: gr.Request = None,
    profile: gr.OAuthProfile | None = None,
) -> str:
    """Cosine similarity of two texts under the picked model and under the base model."""
    _allowed(request, profile, model_ref, base_ref)
    tuned = pair_similarity(_model(model_ref), text1, text2)
    if not base_ref or base_ref.strip() == model_ref.strip():
        return f"**{tuned:.4f}** cosine similarity"
    base = pair_similarity(_model(base_ref, base_of=model_ref), text1, text2)
    return f"picked model **{tuned:.4f}** · base model **{base:.4f}** · change **{tuned - base:+.4f}**"


def _heatmap(matrix: np.ndarray, labels: list[str], title: str) -> go.Figure:
    short = [t if len(t) <= 40 else t[:37] + "…" for t in labels]
    fig = go.Figure(go.Heatmap(z=matrix, x=short, y=short, zmin=-1, zmax=1, colorscale="RdBu", reversescale=True, hovertext=None))
    fig.update_layout(title=title, height=420, margin={"l": 10, "r": 10, "t": 40, "b": 10}, yaxis={"autorange": "reversed"})
    return fig


@friendly
def matrices(
    model_ref: str, base_ref: str, sentences: str, request: gr.Request = None, profile: gr.OAuthProfile | None = None
) -> tuple:
    """Similarity matrices of a list of sentences (one per line), picked model and base model."""
    _allowed(request, profile, model_ref, base_ref)
    texts = clean_texts((sentences or "").splitlines(), "the sentence list", limit=200)
    tuned = _heatmap(similarity_matrix(_model(model_ref), texts), texts, "Picked model")
    base = _heatmap(similarity_matrix(_model(base_ref, base_of=model_ref), texts), texts, "Base model") if base_ref else None
    return tuned, base


@friendly
def compare_search(
    model_ref: str,
    base_ref: str,
    corpus_text: str,
    query: str,
    top_k: float = 5,
    loaded=None,
    progress=PROGRESS,
    request: gr.Request = None,
    profile: gr.OAuthProfile | None = None,
) -> tuple:
    """Top-k hits from the picked and the base model; the picked model's hits say how their rank moved."""
    _allowed(request, profile, model_ref, base_ref)
    corpus = _corpus(corpus_text, loaded)
    k = max(1, int(top_k or 5))

    def report(fraction: float, message: str) -> None:
        progress(fraction, desc=message)

    tuned = search(model_ref, _model(model_ref), corpus, query, top_k=k, progress=report)
    base = []
    if base_ref:
        base = search(base_ref, _model(base_ref, base_of=model_ref), corpus, query, top_k=len(corpus), progress=report)
    base_rank = {hit["index"]: hit["rank"] for hit in base}
    rows = []
    for hit in tuned:
        before = base_rank.get(hit["index"])
        moved = "" if before is None else _moved(before, hit["rank"])
        rows.append(
            {"rank": hit["rank"], "moved": moved, "base rank": before, "score": round(hit["score"], 4), "text": hit["text"]}
        )
    base_rows = [{"rank": h["rank"], "score": round(h["score"], 4), "text": h["text"]} for h in base[:k]]
    return pd.DataFrame(rows), pd.DataFrame(base_rows) if base_rows else None


def _moved(before: int, after: int) -> str:
    """How a hit's rank changed: ↑2 (two places up), ↓1, or = ."""
    return "=" if before == after else f"{'↑' if before > after else '↓'}{abs(before - after)}"


@friendly
def corpus_from_table(file_path: str | None, column: str | None) -> dict:
    """Load a column of an uploaded table as the corpus (and its other columns as label choices for the map):
    {corpus, corpus_note, corpus_column, map_colour}."""
    from core.data.tables import read_file

    if not file_path:
        empty = gr.update(choices=[], value=None)
        return {"corpus": None, "corpus_note": "", "corpus_column": empty, "map_colour": empty}
    df, _ = read_file(file_path)
    columns = [str(c) for c in df.columns]
    text_column = column if column in columns else next((c for c in columns if df[c].dtype == object), columns[0])
    texts = clean_texts(df[text_column].tolist(), f"column '{text_column}'")
    labels = [c for c in columns if c != text_column]
    note = f"Corpus: **{len(texts):,}** texts from column `{text_column}` of {len(df):,} rows."
    return {
        "corpus": texts,
        "corpus_note": note,
        "corpus_column": gr.update(choices=columns, value=text_column),
        "map_colour": gr.update(choices=["(clusters)", *labels], value="(clusters)"),
    }


@friendly
def corpus_from_run(model_ref: str, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> tuple[list[str], str]:
    """The training texts of the run whose model is picked (every text role, de-duplicated); on a Space only
    of the visitor's own runs."""
    from core.config import load_config
    from core.data.load import load_training_data

    _allowed(request, profile, model_ref)  # on a Space: a model of one of the visitor's own runs
    folder = RunFolder.of_model(model_ref)
    if folder is None:
        raise DataError("pick a run in the model picker first: its training texts become the corpus")
    data = load_training_data(load_config(folder.config_path))
    texts = data.texts()
    return texts, f"Corpus: **{len(texts):,}** distinct training texts of run `{folder.name}`."


@friendly
def draw_map(
    model_ref: str,
    corpus_text: str,
    loaded,
    label_column: str | None,
    table_path: str | None,
    request: gr.Request = None,
    profile: gr.OAuthProfile | None = None,
) -> go.Figure:
    """A PCA map of the corpus under the picked model, coloured by a label column or by k-means clusters."""
    _allowed(request, profile, model_ref)
    corpus = _corpus(corpus_text, loaded)
    colours = None
    if label_column and label_column != "(clusters)" and table_path and not (corpus_text or "").strip():
        from core.data.tables import read_file

        df, _ = read_file(table_path)
        colours = [str(v) for v in df[label_column].tolist()][: len(corpus)]
    index = np.linspace(0, len(corpus) - 1, min(len(corpus), MAP_LIMIT)).astype(int)
    texts = [corpus[i] for i in index]
    embeddings = corpus_embeddings(model_ref, _model(model_ref), corpus)[index]
    points = project_2d(embeddings)
    if colours is None or len(colours) != len(corpus):
        colours = [f"cluster {c + 1}" for c in _clusters(embeddings.cpu().numpy())]
    else:
        colours = [colours[i] for i in index]
    fig = go.Figure()
    for name in sorted(set(colours)):
        mask = np.array([c == name for c in colours])
        fig.add_scatter(
            x=points[mask, 0], y=points[mask, 1], mode="markers", name=name, text=np.array(texts, dtype=object)[mask],
            hovertemplate="%{text}<extra>" + name + "</extra>", marker={"size": 7, "opacity": 0.8},
        )  # fmt: skip
    fig.update_layout(title=f"{len(texts):,} texts, PCA of the picked model's embeddings", height=520, template="plotly_white")
    return fig


def _clusters(vectors: np.ndarray) -> np.ndarray:
    """k-means labels, k up to 8 (about one cluster per 5 texts, never more than distinct points)."""
    from sklearn.cluster import KMeans

    distinct = len(np.unique(vectors.round(5), axis=0))
    k = max(1, min(8, len(vectors) // 5, distinct))
    return KMeans(n_clusters=k, n_init=4, random_state=0).fit_predict(vectors)


def _quietly_allowed(request, profile, ref: str | None) -> bool:
    """True when the visitor may use `ref` (events fired while choosing say nothing when not)."""
    try:
        _allowed(request, profile, ref)
    except StudioError:
        return False
    return True


def pick_model(model_ref: str, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
    """Picking a run's model sets the base picker to the model that run started from."""
    base = base_model_of(model_ref or "") if _quietly_allowed(request, profile, model_ref) else None
    return gr.update(value=base) if base else gr.update()


def model_note(model_ref: str, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> str:
    """The picked run's warning (training did not beat its base model), else nothing."""
    from core.runs.index import run_warning

    if not _quietly_allowed(request, profile, model_ref):
        return ""
    warning = run_warning(model_ref or "")
    return f"**Warning:** {warning}" if warning else ""


def newest_choice(request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
    """Page load: the visitor's newest finished run is picked (else the default base model)."""
    choices = model_choices(viewer=visitor(request, profile))
    return gr.update(choices=choices, value=choices[0][1] if choices else DEFAULT_MODEL)


def follow(model_path: str | None, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
    """A run this page watched has ended: its model is picked (the list of runs read again to hold it); a reranker
    is picked in 'Search, then rerank' instead (ui.playground_rerank)."""
    from core.inference.rerankers import is_cross_encoder

    if not model_path or is_cross_encoder(model_path):
        return gr.update()
    return gr.update(choices=model_choices(viewer=visitor(request, profile)), value=model_path)


def refresh_choices(request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
    """The list of runs and models again; the value is left alone (a picked model, or the one the page load set)."""
    return gr.update(choices=model_choices(viewer=visitor(request, profile)))


def build() -> SimpleNamespace:
    ui = SimpleNamespace()
    choices = model_choices()
    with gr.Row():
        ui.model = gr.Dropdown(
            choices, value=choices[0][1] if choices else DEFAULT_MODEL, label="Model (a finished run, a base model, or a folder)",
            allow_custom_value=True, elem_id="pg-model", scale=3,
        )  # fmt: skip
        ui.base = gr.Dropdown(
            model_choices(),
            value=DEFAULT_MODEL,
            label="Compare with (the base model)",
            allow_custom_value=True,
            elem_id="pg-base",
            scale=3,
        )
        ui.refresh = gr.Button("Refresh list", elem_id="pg-refresh", scale=1)
    ui.model_note = gr.Markdown(elem_id="pg-model-note")
    with gr.Accordion("Pair similarity", open=True):
        with gr.Row():
            ui.text1 = gr.Textbox(label="Text 1", value="I was charged twice for one ride", elem_id="pg-text1")
            ui.text2 = gr.Textbox(label="Text 2", value="Why do I see two payments for a single trip?", elem_id="pg-text2")
        ui.similarity_button = gr.Button("Compare", elem_id="pg-similarity-run")
        ui.similarity = gr.Markdown(elem_id="pg-similarity")
    with gr.Accordion("Similarity matrix", open=False):
        ui.sentences = gr.Textbox(label="Sentences, one per line", lines=5, elem_id="pg-sentences")
        ui.matrix_button = gr.Button("Draw matrices", elem_id="pg-matrix-run")
        with gr.Row(visible=False) as ui.matrix_box:  # results are shown once drawn, hidden when a choice changes
            ui.matrix = gr.Plot(label="Picked model", elem_id="pg-matrix")
            ui.matrix_base = gr.Plot(label="Base model", elem_id="pg-matrix-base")
    with gr.Accordion("Semantic search and embedding map", open=True):
        ui.corpus = gr.State(None)
        ui.made_for = gr.State(None)  # [model, base] the results shown were made with
        with gr.Row():
            ui.corpus_text = gr.Textbox(label="Corpus, one text per line (or load one below)", lines=6, elem_id="pg-corpus")
            with gr.Column():
                ui.corpus_file = gr.File(label="or a table", type="filepath", elem_id="pg-corpus-file", height=100)
                ui.corpus_column = gr.Dropdown([], label="text column", elem_id="pg-corpus-column")
                ui.corpus_run = gr.Button("or the picked run's training texts", elem_id="pg-corpus-run")
        ui.corpus_note = gr.Markdown(elem_id="pg-corpus-note")
        with gr.Row():
            ui.query = gr.Textbox(label="Query", elem_id="pg-query", scale=4)
            ui.top_k = gr.Number(5, label="top k", precision=0, minimum=1, maximum=100, elem_id="pg-top-k", scale=1)
        ui.search_button = gr.Button("Search", variant="primary", elem_id="pg-search-run")
        with gr.Row(visible=False) as ui.hits_box:
            ui.hits = gr.Dataframe(label="Picked model (rank moved against the base model)", elem_id="pg-hits", wrap=True)
            ui.hits_base = gr.Dataframe(label="Base model", elem_id="pg-hits-base", wrap=True)
        with gr.Row():
            ui.map_colour = gr.Dropdown(["(clusters)"], value="(clusters)", label="colour by", elem_id="pg-map-colour")
            ui.map_button = gr.Button("Draw embedding map", elem_id="pg-map-run")
        with gr.Column(visible=False) as ui.map_box:
            ui.map = gr.Plot(label="Embedding map", elem_id="pg-map")
    from ui import playground_rerank

    playground_rerank.build(ui)
    return ui


def _shown_in(handler, outputs: list, box):
    """`handler` as an event whose results (`outputs`, in its order) are shown with their `box`; a refusal
    (gr.skip(), ui.errors) keeps everything as it was. The API returns the handler's values alone (a layout is
    no API output). The event's outputs: `[*outputs, box]`."""

    @functools.wraps(handler)
    def event(*args, **kwargs):
        out = handler(*args, **kwargs)
        if isinstance(out, dict):  # a refusal (gr.skip()) keeps all; named outputs already resolved show the box too
            return out if out.get("__type__") == "update" else out | {box: gr.update(visible=True)}
        values = out if isinstance(out, tuple) else (out,)
        return dict(zip(outputs, values, strict=True)) | {box: gr.update(visible=True)}

    return event


def _hidden(count: int):
    """An event that hides `count` result boxes: they showed the models, texts or corpus picked before."""
    return lambda: gr.update(visible=False) if count == 1 else (gr.update(visible=False),) * count


def wire(ui: SimpleNamespace) -> None:
    ui.refresh.click(refresh_choices, None, ui.model, api_visibility="undocumented").then(
        refresh_choices, None, ui.base, api_visibility="undocumented"
    )
    ui.model.change(pick_model, ui.model, ui.base, api_visibility="undocumented")
    ui.model.change(model_note, ui.model, ui.model_note, api_visibility="undocumented")
    pair_in = [ui.model, ui.base, ui.text1, ui.text2]
    results = [ui.similarity_button.click(compare_similarity, pair_in, ui.similarity, api_name="similarity")]
    matrices_out = [ui.matrix, ui.matrix_base]
    matrix_in = [ui.model, ui.base, ui.sentences]
    results.append(
        ui.matrix_button.click(
            _shown_in(matrices, matrices_out, ui.matrix_box),
            matrix_in,
            [*matrices_out, ui.matrix_box],
            api_name="similarity_matrix",
        )
    )
    searched = _shown_in(compare_search, [ui.hits, ui.hits_base], ui.hits_box)
    search_in = [ui.model, ui.base, ui.corpus_text, ui.query, ui.top_k, ui.corpus]
    results += [
        ui.search_button.click(searched, search_in, [ui.hits, ui.hits_base, ui.hits_box], api_name="search"),
        ui.query.submit(searched, search_in, [ui.hits, ui.hits_base, ui.hits_box], api_visibility="undocumented"),
    ]
    from ui import playground_rerank

    playground_rerank.wire(ui, _shown_in)
    table = Outputs(corpus=ui.corpus, corpus_note=ui.corpus_note, corpus_column=ui.corpus_column, map_colour=ui.map_colour)
    loaded = [
        event(table(corpus_from_table), [ui.corpus_file, ui.corpus_column], table.targets, api_visibility="undocumented")
        for event in (ui.corpus_file.upload, ui.corpus_column.input)
    ]
    loaded.append(ui.corpus_run.click(corpus_from_run, ui.model, [ui.corpus, ui.corpus_note], api_visibility="undocumented"))
    map_in = [ui.model, ui.corpus_text, ui.corpus, ui.map_colour, ui.corpus_file]
    results.append(
        ui.map_button.click(_shown_in(draw_map, [ui.map], ui.map_box), map_in, [ui.map, ui.map_box], api_name="embedding_map")
    )
    # a result stays only while the choices it was made from do: each result records the two models it was made
    # with (`made_for`), and a change of either hides every result made with others. The comparison matters: the
    # page sets the base model after a load, and under load that change can arrive after a result made with it.
    for made in results:
        made.then(lambda model, base: [model, base], [ui.model, ui.base], ui.made_for, api_visibility="undocumented")
    stale = [ui.matrix_box, ui.hits_box, ui.map_box, ui.similarity, ui.made_for]
    for changed in (ui.model.change, ui.base.change):
        changed(_made_with_others(stale), [ui.model, ui.base, ui.made_for], stale, api_visibility="undocumented")
    ui.corpus_text.change(_hidden(2), None, [ui.hits_box, ui.map_box], api_visibility="undocumented")
    for event in loaded:
        event.then(_hidden(2), None, [ui.hits_box, ui.map_box], api_visibility="undocumented")
    ui.map_colour.input(_hidden(1), None, ui.map_box, api_visibility="undocumented")
    for edited in (ui.text1.input, ui.text2.input):
        edited(lambda: "", None, ui.similarity, api_visibility="undocumented")


def _made_with_others(stale: list):
    """An event that hides the results (`stale`: three boxes, the similarity line, then `made_for`) when the models
    picked now are not those they were made with; nothing happens while they are, or before any result."""

    def hide(model: str | None, base: str | None, made_for: list | None) -> dict:
        if made_for is None or [model, base] == made_for:
            return gr.skip()
        boxes, similarity, made = stale[:3], stale[3], stale[4]
        return {box: gr.update(visible=False) for box in boxes} | {similarity: "", made: None}

    return hide
