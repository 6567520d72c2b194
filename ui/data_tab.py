"""Tab 1, Data: a table from an upload, a Hub dataset id or a bundled example; roles; the data report; recipes.

Reads: the file, id or example chosen. Writes: the `data_path` and `valid_split` states of the
form (uploads are copied into the datasets folder first, so a run's config.yaml keeps pointing at
a real file), the role dropdowns, and the trainer type suggested for the table.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pandas as pd

from core.data.roles import suggest_roles, suggest_trainer, suggestion_reason
from core.data.tables import read_source
from core.data.workspace import EXAMPLES_DIR, confine_data, keep_file
from core.errors import NOT_READY, DataError, StudioError
from core.recipes import RECIPES, ROLE_FIELDS, ROLES, get_recipe
from ui.errors import friendly
from ui.form import NONE, Form
from ui.visitor import visitor
from ui.words import on_page

__all__ = ["EXAMPLES", "build", "open_source", "role_updates"]

logger = logging.getLogger("sbert_studio.ui")
PREVIEW_ROWS = 20
# bundled example -> its file; written for this project (see assets/examples/README.md)
EXAMPLES = {
    "pair: help-desk questions asked two ways": "pair.csv",
    "qa: help-desk questions and the answers that solve them": "qa.csv",
    "triplet: question, same question reworded, a near-miss question": "triplet.csv",
    "pair_score: how alike two help-desk questions are (0-5)": "pair_score.csv",
    "pair_class: duplicate help-desk questions (1) or not (0)": "pair_class.csv",
    "single_class: help-desk questions and their topic": "single_class.csv",
    "rerank: help-desk questions, answers, and whether the answer solves it (1/0)": "rerank.csv",
}
TQDM_PROGRESS = gr.Progress(track_tqdm=True)  # a handler default: gradio drives it, following tqdm bars
# .xlsx and .xls are accepted so that the reader can say how to save them as CSV, instead of a bare refusal
FILE_TYPES = [".csv", ".tsv", ".txt", ".json", ".jsonl", ".parquet", ".xlsx", ".xls"]


def _choices(columns) -> list[tuple[str, str]]:
    return [("— none —", NONE)] + [(str(c), str(c)) for c in columns]


PLAIN_ROLES = {"sentence1": "first text", "sentence2": "second text", "sentence3": "third text", "target": "score or label"}


def role_label(role: str, meaning: str | None, *, optional: bool = False) -> str:
    """A role as the page names it: what its column means ("Anchor", "Similarity score"), never `sentence1`."""
    words = meaning if meaning and meaning != role else PLAIN_ROLES[role]
    words = words.removeprefix("a ").removeprefix("an ")
    return words[:1].upper() + words[1:] + (" (optional)" if optional else "")


def role_updates(trainer: str | None, columns: list[str] | None, suggested: dict[str, str | None] | None) -> dict:
    """{role: dropdown update} for the four roles: the recipe's meaning as label, hidden when the trainer has no such role.

    `columns` None keeps the choices; `suggested` None keeps the values.
    """
    recipe = RECIPES.get(trainer or "")
    out = {}
    for role in ROLES:
        meaning = recipe.meaning(role) if recipe else None
        visible = recipe is None or meaning is not None
        update: dict = {"label": role_label(role, meaning, optional=bool(recipe) and role in recipe.optional_roles)}
        update["visible"] = visible
        if columns is not None:
            update["choices"] = _choices(columns)
        if suggested is not None:
            update["value"] = (suggested.get(role) or NONE) if visible else NONE
        out[role] = gr.update(**update)
    return out


def open_source(data_path: str, trainer: str | None = None) -> dict:
    """Read the train split of `data_path` and suggest a trainer type (unless `trainer` names one: a bundled
    example's, or rerank, which is never suggested) and roles for it.

    Returns:
        dict with `df` (the table), `preview` (first rows), `summary` (Markdown), `trainer`, `roles`.
    """
    df, info = read_source(data_path, "train")
    chosen = trainer is not None
    trainer = trainer or suggest_trainer(df)
    roles = suggest_roles(df, get_recipe(trainer))
    reason = "" if chosen else suggestion_reason(df, trainer, roles)
    notes = "".join(f"\n- {note}" for note in info.notes)
    header = f"header {info.header}" if info.header else ""
    details = ", ".join(x for x in (info.format, info.encoding, info.delimiter and f"{info.delimiter}-separated", header) if x)
    summary = (
        f"**{Path(info.source).name}**: {len(df):,} rows × {len(df.columns)} columns ({details}). "
        f"{'Trainer' if chosen else 'Suggested trainer'}: **{trainer}**: {RECIPES[trainer].description}"
        + (f"\n\nWhy: {reason}." if reason else "")
        + notes
    )
    return {"df": df, "preview": df.head(PREVIEW_ROWS), "summary": summary, "trainer": trainer, "roles": roles}


def _guess(columns: list[str], *names: str) -> str:
    lowered = {c.lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), NONE)


def _shown(data_path: str, trainer: str | None = None) -> dict:
    """What the page shows for a table just opened (the names of ui.layout's `opened` outputs); `trainer`: the
    trainer type it is for (a bundled example's), else the one suggested."""
    from core.data.load import count_classes
    from ui.model_tab import loss_update

    opened = open_source(data_path, trainer)
    columns = [str(c) for c in opened["df"].columns]
    roles = opened["roles"]
    guesses = {
        "nli_premise": _guess(columns, "premise", "sentence1"),
        "nli_hypothesis": _guess(columns, "hypothesis", "sentence2"),
        "nli_label": _guess(columns, "label", "gold_label", "target"),
        "mine_anchor": roles.get("sentence1") or NONE,
        "mine_positive": roles.get("sentence2") or NONE,
    }
    return {
        "data_path": data_path,
        "summary": opened["summary"],
        "preview": opened["preview"],
        "preview_box": gr.Column(visible=True),
        "trainer": gr.update(value=opened["trainer"]),
        "roles": role_updates(opened["trainer"], columns, opened["roles"]),
        **{name: gr.update(choices=_choices(columns), value=guess) for name, guess in guesses.items()},
        # set with the trainer, so no event sees a loss of the old one; three classes cannot take a two-class loss
        "loss": loss_update(opened["trainer"], None, count_classes(opened["df"], roles.get("target"))),
    }


@friendly(note="summary")
def load_upload(file_path: str | None, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
    """An uploaded file: copied into the visitor's datasets folder, then read."""
    if not file_path:
        raise DataError("no file received; choose a CSV, TSV, JSON, JSONL or Parquet file")
    return _shown(str(keep_file(file_path, visitor(request, profile))))


@friendly(note="summary")
def load_hub(dataset_id: str, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
    """A Hub dataset `owner/name[:config[:split]]` (offline: fails within seconds, naming the id). A local path
    typed here works too: off a Space anywhere, on a Space only the visitor's own uploads and the examples."""
    dataset_id = (dataset_id or "").strip()
    if not dataset_id:
        raise DataError("type a Hub dataset id such as sentence-transformers/stsb, optionally :config:split")
    return _shown(confine_data(dataset_id, "Hub dataset id", visitor(request, profile)))


@friendly(note="summary")
def load_example(label: str | None) -> dict:
    """A bundled example by its label; none chosen (the list opened and closed) changes nothing."""
    if not label:
        return gr.skip()
    if label not in EXAMPLES:
        raise DataError(f"pick one of the bundled examples: {', '.join(EXAMPLES)}")
    trainer = label.split(":")[0]  # each label names its trainer type; one never suggested from a table is set
    return _shown(str(EXAMPLES_DIR / EXAMPLES[label]), None if RECIPES[trainer].fits else trainer)


@friendly
def set_validation(
    file_path: str | None, request: gr.Request = None, profile: gr.OAuthProfile | None = None
) -> tuple[str | None, str]:
    """A separate validation file (read at once so a bad one is reported now, not at training)."""
    if not file_path:
        return None, "Validation: 10% of the training rows are held out (seeded)."
    kept = keep_file(file_path, visitor(request, profile))
    df, _ = read_source(str(kept), "train")
    return str(kept), f"Validation file **{Path(file_path).name}**: {len(df):,} rows; nothing is held out of training."


@friendly(note="recipe_note")
def make_nli(
    data_path: str,
    premise: str,
    hypothesis: str,
    label: str,
    output: str,
    request: gr.Request = None,
    profile: gr.OAuthProfile | None = None,
) -> dict:
    """NLI rows -> a new triplet or scored-pair table, saved in the visitor's datasets folder and opened."""
    from core.data.nli import nli_to_scored_pairs, nli_to_triplets

    who = visitor(request, profile)
    df = _table(data_path, who)
    if output == "scored pairs":
        made, report = nli_to_scored_pairs(df, premise, hypothesis, label)
    else:
        made, report = nli_to_triplets(df, premise, hypothesis, label)
    return _made(made, report, "nli-" + output.replace(" ", "-"), who)


@friendly(note="recipe_note")
def make_mined(
    data_path: str,
    anchor: str,
    positive: str,
    negatives: float,
    model_ref: str,
    trust_remote_code: bool = False,
    progress=TQDM_PROGRESS,
    request: gr.Request = None,
    profile: gr.OAuthProfile | None = None,
):
    """(anchor, positive) pairs -> triplets with hard negatives mined by the chosen base model, with its own code
    when the Model tab trusts it (on a Space only its admins may: the same gate as a run's)."""
    from core.config import TrainConfig
    from core.data.hard_negatives import mine_triplets
    from core.environment import on_space
    from core.inference.cache import cached_model
    from core.training.admission import confine

    who = visitor(request, profile)
    df = _table(data_path, who)
    gated = TrainConfig(data_path=data_path, model=model_ref, trust_remote_code=bool(trust_remote_code))
    confine(gated, space=on_space(), visitor=who)  # the model's folder is the visitor's, remote code their right
    progress(0.0, desc=f"loading {model_ref}")
    model = cached_model(model_ref, trust_remote_code=bool(trust_remote_code))
    made, report = mine_triplets(
        df, anchor, positive, model, num_negatives=int(negatives or 1), progress=lambda f, m: progress(f, desc=m)
    )
    return _made(made, report, "mined-triplets", who)


def _table(data_path: str, who) -> pd.DataFrame:
    if not data_path:
        raise DataError("load a table first (upload, Hub id or example), then make a new one from it")
    return read_source(confine_data(data_path, "data_path", who), "train")[0]


def _made(made: pd.DataFrame, report: dict, name: str, who) -> dict:
    from core.data.workspace import save_table

    path = save_table(made, name, who)
    facts = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in report.items() if not isinstance(v, dict))
    note = f"Made **{path.name}** ({len(made):,} rows; {facts}). It is now the training table; the original is unchanged."
    return {**_shown(str(path)), "recipe_note": note}


@friendly
def check(form: Form, values: dict, *, load: bool = True, who=None) -> str:
    """The data check (core.training.data_check) of the form's config, as Markdown, after the same gate as
    Start (core.training.admission). `load` loads the chosen model for token lengths (the "Check data"
    button); otherwise they are measured only when it is loaded."""
    from core.environment import on_space
    from core.training.admission import confine
    from core.training.data_check import check_data_markdown

    config = confine(form.config(values).replace(project_name=None), space=on_space(), visitor=who)
    return on_page(check_data_markdown(config, load=load))


def check_quietly(form: Form, values: dict, who=None) -> str:
    """`check` for events fired while a person is still choosing: a problem is shown in the report, not raised."""
    try:
        return on_page(check.__wrapped__(form, values, load=False, who=who))
    except StudioError as exc:
        return f"**{NOT_READY}:** {on_page(str(exc))}"
    except Exception as exc:  # a bug; logged with its traceback, shown in one line
        logger.exception("data check failed")
        return f"**The data check failed unexpectedly** ({type(exc).__name__}: {exc}). The app is still running."


def build(form: Form) -> SimpleNamespace:
    """The Data tab's components (wired in ui.layout, which also holds the other tabs)."""
    ui = SimpleNamespace()
    ui.data_path = form.add("data_path", gr.State(""))
    ui.valid_split = form.add("valid_split", gr.State(None))
    gr.Markdown(
        "Give the studio a table: one row per training example. Pairs (two texts that belong together), "
        "triplets (anchor, positive, negative), pairs with a similarity score, or texts with a class label."
    )
    with gr.Row():
        ui.file = gr.File(label="Upload a table", file_types=FILE_TYPES, type="filepath", elem_id="data-file", height=120)
        with gr.Column():
            with gr.Row():
                ui.hub_id = gr.Textbox(
                    label="or a Hub dataset id", placeholder="owner/name:config:split", elem_id="data-hub-id", scale=3
                )
                ui.hub_load = gr.Button("Load", elem_id="data-hub-load", scale=1)
            ui.example = gr.Dropdown(list(EXAMPLES), value=None, label="or a bundled example", elem_id="data-example")
    ui.summary = gr.Markdown(
        "No table yet: upload one, type a Hub dataset id, or pick a bundled example to see its first rows here.",
        elem_id="data-summary",
    )
    with gr.Column(visible=False, elem_id="data-preview-box") as ui.preview_box:  # shown with the first table
        ui.preview = gr.Dataframe(label="First rows", interactive=False, elem_id="data-preview", max_height=320, wrap=True)
    gr.Markdown("**Roles**: which column plays which part (pre-filled by suggestion; change them if they are wrong).")
    with gr.Row():
        ui.roles = {
            role: form.add(
                ROLE_FIELDS[role],
                gr.Dropdown(
                    _choices([]), value=NONE, label=role_label(role, None), elem_id=f"role-{role}", allow_custom_value=True
                ),
            )
            for role in ROLES
        }
    with gr.Row():
        ui.valid_file = gr.File(
            label="Validation file (optional)", file_types=FILE_TYPES, type="filepath", elem_id="data-valid-file", height=100
        )
        ui.valid_note = gr.Markdown("Validation: 10% of the training rows are held out (seeded).", elem_id="data-valid-note")
    ui.check = gr.Button("Check data", elem_id="data-check")
    ui.report = gr.Markdown(elem_id="data-report")
    with gr.Accordion("Data recipes: make a new table from this one", open=False, elem_id="data-recipes"):
        gr.Markdown(
            "**NLI → triplets or scored pairs.** Rows of premise, hypothesis and an entailment / neutral / contradiction "
            "label become (anchor, positive, negative) triplets, or pairs scored 1 / 0.5 / 0."
        )
        with gr.Row():
            ui.nli_premise = gr.Dropdown(_choices([]), label="premise", elem_id="nli-premise")
            ui.nli_hypothesis = gr.Dropdown(_choices([]), label="hypothesis", elem_id="nli-hypothesis")
            ui.nli_label = gr.Dropdown(_choices([]), label="label", elem_id="nli-label")
            ui.nli_output = gr.Radio(["triplets", "scored pairs"], value="triplets", label="make", elem_id="nli-output")
        ui.nli_make = gr.Button("Make NLI table", elem_id="nli-make")
        gr.Markdown(
            "**Hard-negative mining.** (anchor, positive) pairs become (anchor, positive, negative) triplets: for each "
            "anchor, a model picks a text from the positives that looks close but is not its positive."
        )
        with gr.Row():
            ui.mine_anchor = gr.Dropdown(_choices([]), label="anchor", elem_id="mine-anchor")
            ui.mine_positive = gr.Dropdown(_choices([]), label="positive", elem_id="mine-positive")
            ui.mine_negatives = gr.Number(
                1, label="negatives per pair", precision=0, minimum=1, maximum=10, elem_id="mine-negatives"
            )
        ui.mine_make = gr.Button("Mine hard negatives (uses the base model of the Model tab)", elem_id="mine-make")
        ui.recipe_note = gr.Markdown(elem_id="recipe-note")
    return ui
