"""The console script: `sbert-studio train` (and `python -m cli train`, also under torchrun).

Flags are named like AutoTrain's sentence-transformers trainer, so its documented commands run
with `autotrain sentence-transformers --train` replaced by `sbert-studio train`. `--config F`
reads a YAML file (ours or AutoTrain's); flags given beside it override it.

Exit codes: 0 finished, 1 the run failed, 2 bad configuration or run folder, 130 stopped (Ctrl-C).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from dataclasses import fields

from core.config import IGNORED_KEYS, TrainConfig, field_info, field_types, load_config
from core.errors import StudioError
from core.recipes import trainer_list

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sbert-studio", description="Fine-tune sentence embedding models.")
    epilog = (
        f"Defaults depend on the trainer type: each one ({trainer_list('and')}) brings its own loss, learning rate, "
        "epochs and batch size, measured on held-out data (README, Defaults). A value you set wins; the run's "
        "config.yaml records every value used."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a model from a config file or flags", epilog=epilog)
    train.add_argument("--config", help="YAML config (ours or AutoTrain's); flags override it")
    train.add_argument(
        "--resume",
        metavar="RUN_FOLDER",
        help="continue a stopped or interrupted run from its newest checkpoint (its own config.yaml; other flags ignored)",
    )
    # the app starts its runs as `train --config <run>/config.yaml --prepared-run`: it made the folder
    train.add_argument("--prepared-run", action="store_true", help=argparse.SUPPRESS)
    for key in IGNORED_KEYS:  # AutoTrain's (`--train`, `--backend`): accepted, meaningless locally
        train.add_argument(f"--{key}", nargs="?", const=True, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    kinds = field_types()
    for f in fields(TrainConfig):
        flag = "--" + f.name.replace("_", "-")
        info = field_info(f.name)
        if kinds[f.name].base is bool:
            # --flag / --no-flag: a default that is on (group_by_length) can be turned off
            train.add_argument(
                flag, dest=f.name, action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS, help=info["help"]
            )
        else:
            train.add_argument(flag, dest=f.name, default=argparse.SUPPRESS, metavar=f.name.upper(), help=info["help"])
    commands.add_parser("app", help="launch the browser app")
    export = commands.add_parser(
        "export",
        help="export a run's model for serving: model/onnx/model.onnx, checked against the trained model",
        epilog="Needs onnx and onnxruntime (pip install -e '.[onnx]'). The figures go to model/onnx/export.json and the card.",
    )
    export.add_argument("run_folder", metavar="RUN_FOLDER", help="the folder of an ended run")
    export.add_argument("--onnx", action="store_true", required=True, help="the ONNX graph, pooling and normalisation inside")
    export.add_argument("--int8", action="store_true", help="also an int8 copy (model_int8.onnx), with its held-out metric")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "app":
        import app

        app.main()
        return 0
    _console_logging()
    if args.command == "export":
        return _export(args)
    from core.training.supervisor import NICE_ENV

    if os.environ.get(NICE_ENV):  # the app's child yields the CPU to its web server
        os.nice(int(os.environ[NICE_ENV]))
    signal.signal(signal.SIGTERM, _early_stop)  # a stop before the run exists is honoured once it does
    try:
        return _train(args)
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


_EARLY_STOP: list[int] = []


def _early_stop(signum, frame) -> None:
    _EARLY_STOP.append(signum)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record is emitted (it may be replaced after set-up)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


_HANDLER = _StderrHandler()


def _console_logging() -> None:
    """The run's notes (mapping, rows, metrics, states) go to stderr, whatever the root logger does."""
    _HANDLER.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("sbert_studio")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    if _HANDLER not in logger.handlers:
        logger.addHandler(_HANDLER)


def _train(args: argparse.Namespace) -> int:
    from core.runs.lock import TOKEN_ENV
    from core.training.job import TrainingJob
    from core.training.registry import OWNER_ENV

    origin = "app" if os.environ.get(TOKEN_ENV) else "console"
    if args.resume:
        job = _resumed(args.resume, origin)
        config = job.config
    else:
        skip = ("command", "config", "resume", "prepared_run")
        given = {k: v for k, v in vars(args).items() if k not in skip}  # from_dict drops IGNORED_KEYS
        config = load_config(args.config) if args.config else TrainConfig()
        if given:
            config = TrainConfig.from_dict(config.to_dict() | {"token": config.token} | given)
        owner = os.environ.get(OWNER_ENV)  # the Space login that started it in the app
        job = TrainingJob(_env_token(config), progress_bar=True, prepared=args.prepared_run, origin=origin, owner=owner)
    print(f"run folder: {job.run_dir}", file=sys.stderr)

    def on_interrupt(signum, frame):  # first Ctrl-C stops cleanly and saves; a second one kills
        signal.signal(signal.SIGINT, signal.default_int_handler)
        print("\nstopping after this step; the model trained so far will be saved (Ctrl-C again to abort)", file=sys.stderr)
        job.stop()

    def on_terminate(signum, frame):  # the app's Stop (or `kill`): stop after this step, save, exit
        print("\nstop requested (SIGTERM); the model trained so far will be saved", file=sys.stderr)
        job.stop()

    signal.signal(signal.SIGINT, on_interrupt)
    signal.signal(signal.SIGTERM, on_terminate)
    if _EARLY_STOP:
        job.stop()
    final = job.run()
    if final["state"] == "failed":
        print(f"error: {final['error']}", file=sys.stderr)
        print(f"the run folder {job.run_dir} keeps status.json and log.txt", file=sys.stderr)
        return 1
    print(f"{final['state']}: model saved to {job.folder.model_dir}", file=sys.stderr)
    if config.push_to_hub and final["state"] == "finished":
        if not _push(job.run_dir, config):
            return 1
    elif config.push_to_hub:
        print("note: a stopped run is not pushed; push it from the app's Hub tab if you want it", file=sys.stderr)
    return 130 if final["state"] == "stopped" else 0


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core.export.run import export_run

    if not (Path(args.run_folder) / "status.json").is_file():
        print(f"error: '{args.run_folder}' is not a run folder (no status.json); give the folder of a run", file=sys.stderr)
        return 2
    try:
        record = export_run(args.run_folder, int8=args.int8, log=lambda line: print(line, file=sys.stderr))
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"written: {Path(args.run_folder) / 'model' / 'onnx'} ({', '.join(k for k in ('fp32', 'int8') if k in record)})")
    return 0


def _env_token(config: TrainConfig) -> TrainConfig:
    """The config with the token `core.hub.push.hub_token` chooses ($HF_TOKEN when none is given; never on a
    Space, where a run's child never sees the owner's token). The token is never in a YAML file."""
    from core.hub.push import hub_token

    token = hub_token(config.token)
    return config.replace(token=token) if token != config.token else config


def _resumed(run_folder: str, origin: str):
    """The job that continues `run_folder` with its own config.yaml (the resolved settings it started with).
    A run still training is refused by the job's own lock check, like any second run."""
    from pathlib import Path

    from core.errors import RunFolderError
    from core.runs.folder import RunFolder
    from core.runs.index import resume_checkpoint
    from core.training.job import TrainingJob
    from core.training.resume import fresh_start_command

    folder = RunFolder(Path(run_folder))
    if folder.read_status() is None or not folder.config_path.is_file():
        raise RunFolderError(f"'{run_folder}' is not a run folder (no status.json or config.yaml); give the folder of a run")
    resume_checkpoint(folder, fresh_start_command(folder))
    config = _env_token(load_config(folder.config_path).replace(project_name=str(folder.path)))
    return TrainingJob(config, run_dir=str(folder.path), progress_bar=True, resume=True, origin=origin)


def _push(run_dir, config: TrainConfig) -> bool:
    """Push a finished run to `<username>/<run name>` (username from the token when not given)."""
    from core.hub.push import HubError, default_repo_id, push_run, whoami

    try:
        user = config.username or whoami(config.token)
        url = push_run(run_dir, default_repo_id(run_dir, user), config.token, private=True)
    except HubError as exc:
        print(f"error: push to the Hub failed: {exc}", file=sys.stderr)
        print(f"the model is in {run_dir}/model; push it again from the app's Hub tab", file=sys.stderr)
        return False
    print(f"pushed (private): {url}", file=sys.stderr)
    return True


if __name__ == "__main__":
    sys.exit(main())
