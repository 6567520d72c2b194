"""The page: the tabs (docs/ARCHITECTURE.md, README), and the events that connect them.

Each tab file builds its components and holds its handlers; this file wires events across tabs
(the Data tab sets the trainer type of the Model tab, the Train tab reads the whole form).
Key handlers carry `api_name`s so the app can be driven from gradio_client too.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import gradio as gr

from core.data.load import roles_for
from core.data.workspace import confine_data
from core.hub.push import hold_space_token
from core.runs.disk import prune
from ui import data_tab, hub_tab, model_tab, playground_rerank, playground_tab, runs_tab, train_tab
from ui.errors import friendly
from ui.form import Form
from ui.outputs import Outputs
from ui.visitor import visitor

__all__ = ["CSS", "THEME", "build_app", "build_page"]

ASSETS = Path(__file__).resolve().parent.parent / "assets"
CSS = (ASSETS / "studio.css").read_text(encoding="utf-8")
THEME = gr.themes.Soft(primary_hue="indigo")
CACHE_CLEANING = (1800, 3600)  # gr.Blocks(delete_cache=(every seconds, older than seconds))
INTRO = (
    "# SBERT Studio\n"
    "Fine-tune a sentence embedding model on your own pairs, triplets or scored pairs: "
    "**1** give it a table, **2** pick a base model and trainer, **3** train and watch it improve."
)


def build_app() -> gr.Blocks:
    return build_page().demo


def build_page() -> SimpleNamespace:
    """The page and its parts: `demo`, `form`, and each tab's components (`data`, `model`, `train`)."""
    hold_space_token()  # on a Space the owner's HF_TOKEN leaves the environment (core.hub.push)
    prune()  # on a Space: runs and uploads past their age or the quota go, each with a line in the log (core.runs.disk)
    form = Form()
    # gradio's own upload and download cache: every 30 minutes, files older than an hour go (uploads are copied to
    # the datasets folder at once, and a model zip is served from one file per run)
    with gr.Blocks(title="SBERT Studio", delete_cache=CACHE_CLEANING) as demo:
        gr.Markdown(INTRO, elem_id="intro")
        with gr.Tabs(elem_id="tabs") as tabs:
            with gr.Tab("1 · Data", id="data", elem_id="tab-data"):
                data = data_tab.build(form)
            with gr.Tab("2 · Model & trainer", id="model", elem_id="tab-model"):
                model = model_tab.build(form)
            with gr.Tab("3 · Train", id="train", elem_id="tab-train"):
                train = train_tab.build(form)
            with gr.Tab("4 · Playground", id="playground", elem_id="tab-playground") as playground_tab_item:
                playground = playground_tab.build()
            with gr.Tab("5 · Runs", id="runs", elem_id="tab-runs") as runs_tab_item:
                runs = runs_tab.build()
            with gr.Tab("6 · Hub", id="hub", elem_id="tab-hub") as hub_tab_item:
                hub = hub_tab.build()
        _wire_data(form, data, model)
        _wire_model(form, data, model)
        _wire_train(form, train, demo)
        _wire_card(train, playground, hub, tabs)
        playground_tab.wire(playground)
        runs_tab.wire(runs, form, playground, tabs, train)
        hub_tab.wire(hub)
        # the lists of runs are read when their tab opens, so a run that just ended is there; the picked run stays picked
        hub_tab_item.select(hub_tab.refresh, hub.run, hub.run, api_visibility="undocumented").then(
            hub_tab.run_note, hub.run, hub.run_note, api_visibility="undocumented"
        )
        listing = [runs.table, runs.compare, runs.pick]
        runs_tab.listed(runs, runs_tab_item.select(runs_tab.refresh, runs.pick, listing, api_visibility="undocumented"))
        playground_tab_item.select(playground_tab.refresh_choices, None, playground.model, api_visibility="undocumented")
        demo.load(playground_tab.newest_choice, None, playground.model, api_visibility="undocumented").then(
            playground_tab.pick_model, playground.model, playground.base, api_visibility="undocumented"
        )
    return SimpleNamespace(demo=demo, form=form, data=data, model=model, train=train, playground=playground, runs=runs, hub=hub)


def _wire_data(form: Form, data, model) -> None:
    # what opening a table shows (names: data_tab._shown); a made table also shows its note
    opened = Outputs(
        data_path=data.data_path,
        summary=data.summary,
        preview=data.preview,
        preview_box=data.preview_box,
        trainer=model.trainer,
        roles=data.roles,
        nli_premise=data.nli_premise,
        nli_hypothesis=data.nli_hypothesis,
        nli_label=data.nli_label,
        mine_anchor=data.mine_anchor,
        mine_positive=data.mine_positive,
        loss=model.loss,
    )
    made = opened.extended(recipe_note=data.recipe_note)
    report_inputs = form.inputs

    @friendly
    def report(values: dict, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> str:
        return data_tab.check(form, values, who=visitor(request, profile))

    quiet_report = _quiet_report(form)

    data.file.upload(opened(data_tab.load_upload), data.file, opened.targets, api_name="load_file").success(
        quiet_report, report_inputs, data.report, api_visibility="undocumented"
    )
    data.hub_load.click(opened(data_tab.load_hub), data.hub_id, opened.targets, api_name="load_hub").success(
        quiet_report, report_inputs, data.report, api_visibility="undocumented"
    )
    data.hub_id.submit(opened(data_tab.load_hub), data.hub_id, opened.targets, api_visibility="undocumented").success(
        quiet_report, report_inputs, data.report, api_visibility="undocumented"
    )
    data.example.input(opened(data_tab.load_example), data.example, opened.targets, api_name="load_example").success(
        quiet_report, report_inputs, data.report, api_visibility="undocumented"
    )
    data.valid_file.change(data_tab.set_validation, data.valid_file, [data.valid_split, data.valid_note]).success(
        quiet_report, report_inputs, data.report, api_visibility="undocumented"
    )
    for role in data.roles.values():
        role.input(quiet_report, report_inputs, data.report, api_visibility="undocumented")
    data.check.click(report, report_inputs, data.report, api_name="check_data")
    data.nli_make.click(
        made(data_tab.make_nli),
        [data.data_path, data.nli_premise, data.nli_hypothesis, data.nli_label, data.nli_output],
        made.targets,
        api_name="make_nli",
    ).success(quiet_report, report_inputs, data.report, api_visibility="undocumented")
    data.mine_make.click(
        made(data_tab.make_mined),
        [
            data.data_path,
            data.mine_anchor,
            data.mine_positive,
            data.mine_negatives,
            model.model,
            form.components["trust_remote_code"],
        ],
        made.targets,
        api_name="mine_hard_negatives",
    ).success(quiet_report, report_inputs, data.report, api_visibility="undocumented")


def _quiet_report(form: Form):
    def quiet_report(values: dict, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> str:
        """After a change: the report, or why it cannot be made yet (no pop-up for half-made choices)."""
        return data_tab.check_quietly(form, values, visitor(request, profile))

    return quiet_report


def _wire_model(form: Form, data, model) -> None:
    roles = Outputs(roles=data.roles)
    changed = Outputs(
        trainer_note=model.trainer_note,
        loss=model.loss,
        roles=data.roles,
        defaults={name: form.components[name] for name in model_tab.TRAINER_DEFAULTS},
    )

    @friendly
    def trainer_picked(trainer: str, data_path: str, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
        """The person chose a trainer type: roles suggested again for it (the table is read from the cache)."""
        data_path = confine_data(data_path, "data_path", visitor(request, profile))
        return {"roles": data_tab.role_updates(trainer, None, roles_for(data_path, trainer))}

    def trainer_changed(trainer: str, loss: str) -> dict:
        """The trainer type changed: its description, losses, roles, and its own lr / epochs / batch size."""
        return {
            "trainer_note": model_tab.describe_trainer(trainer),
            "loss": model_tab.loss_update(trainer, loss),
            "roles": data_tab.role_updates(trainer, None, None),
            "defaults": model_tab.defaults_update(trainer),
        }

    model.trainer.change(changed(trainer_changed), [model.trainer, model.loss], changed.targets, api_visibility="undocumented")
    model.trainer.input(
        roles(trainer_picked), [model.trainer, data.data_path], roles.targets, api_visibility="undocumented"
    ).success(_quiet_report(form), form.inputs, data.report, api_visibility="undocumented")
    model.model_load.click(model_tab.describe_model, model.model, model.model_facts, api_name="model_facts").success(
        _quiet_report(form), form.inputs, data.report, api_visibility="undocumented"
    )
    # the API returns the three texts (a layout is no API output)
    configured = Outputs(yaml=model.yaml, command=model.command, torchrun=model.torchrun, config_box=model.config_box)
    model.show.click(
        configured(lambda values: model_tab.show_config(form, values)), form.inputs, configured.targets, api_name="show_config"
    )
    model.yaml_file.upload(
        lambda path: model_tab.load_yaml(form, path),
        model.yaml_file,
        list(form.components.values()),
        api_visibility="undocumented",
    )


def _wire_card(train, playground, hub, tabs: gr.Tabs) -> None:
    """The result card's buttons (ui.result_card): the run shown, in the Playground, as a zip, to the Hub tab."""

    def name_of(run_dir: str | None) -> str:
        return Path(run_dir).name if run_dir else ""

    opened = runs_tab.playground_outputs(playground, tabs)

    @opened
    def try_it(run_dir: str | None, request: gr.Request = None, profile: gr.OAuthProfile | None = None):
        return runs_tab.open_in_playground(name_of(run_dir), request, profile)

    def download(run_dir: str | None, request: gr.Request = None, profile: gr.OAuthProfile | None = None):
        path = runs_tab.download(name_of(run_dir), request, profile)
        return gr.update(value=path, visible=True) if isinstance(path, str) else path

    train.ended.change(playground_tab.follow, train.ended, playground.model, api_visibility="undocumented")
    train.ended.change(playground_rerank.follow, train.ended, playground.reranker, api_visibility="undocumented")
    train.card_try.click(try_it, train.run_dir, opened.targets, api_visibility="undocumented")
    train.card_download.click(download, train.run_dir, train.card_zip, api_visibility="undocumented")
    train.card_push.click(hub_tab.pick, train.run_dir, [hub.run, tabs], api_visibility="undocumented")


def _wire_train(form: Form, train, demo: gr.Blocks) -> None:
    shown = train_tab.outputs(train)

    @shown
    def start_training(values: dict, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> dict:
        """Start from the form; the visitor (their login, else their session) is recorded as the run's owner."""
        return train_tab.start(form, values, who=visitor(request, profile))

    train.start.click(start_training, form.inputs, shown.targets, api_name="start_training")
    train.stop.click(train_tab.stop, train.run_dir, train.status, api_name="stop_training")
    # Watching a run only reads files and shared caches, so every page's tick runs at once
    # (concurrency_limit=None) instead of queueing behind the other watchers'.
    train.timer.tick(
        shown(train_tab.poll), [train.run_dir, train.seen], shown.targets,
        show_progress="hidden", api_visibility="undocumented", concurrency_limit=None,
    )  # fmt: skip
    demo.load(shown(train_tab.attach), None, shown.targets, concurrency_limit=None)
    gr.api(train_tab.start_from_yaml, api_name="start_run")  # for scripts: a YAML config in, the run folder out
    gr.api(train_tab.run_status, api_name="run_status", concurrency_limit=None)
