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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "app":
        import app

        app.main()
        return 0
    _console_logging()
    try:
        return _train(args)
    except StudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


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
    from core.training.job import TrainingJob

    given = {k: v for k, v in vars(args).items() if k not in ("command", "config")}  # from_dict drops IGNORED_KEYS
    config = load_config(args.config) if args.config else TrainConfig()
    if given:
        config = TrainConfig.from_dict(config.to_dict() | {"token": config.token} | given)
    if config.token is None and os.environ.get("HF_TOKEN"):
        config = config.replace(token=os.environ["HF_TOKEN"])
    job = TrainingJob(config, progress_bar=True)
    print(f"run folder: {job.run_dir}", file=sys.stderr)

    def on_interrupt(signum, frame):  # first Ctrl-C stops cleanly and saves; a second one kills
        signal.signal(signal.SIGINT, signal.default_int_handler)
        print("\nstopping after this step; the model trained so far will be saved (Ctrl-C again to abort)", file=sys.stderr)
        job.stop()

    signal.signal(signal.SIGINT, on_interrupt)
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
