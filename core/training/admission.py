"""What a run started from the app (the page or the API) may have: the gate before a run folder is made.

The console script is not gated: there the person owns the machine.
"""

from __future__ import annotations

from core.config import TrainConfig
from core.data.workspace import confine_data, confine_split
from core.environment import runs_root
from core.errors import NOT_READY, ConfigError, DataError
from core.paths import is_plain_name, shorten
from core.runs.owner import check_model_ref
from core.visitors import Visitor

__all__ = ["check_ready", "confine"]


def confine(config: TrainConfig, *, space: bool, visitor: Visitor | None = None) -> TrainConfig:
    """The config a run started from the app (the page, the API) may have.

    Its folder is a plain name under the runs root; on a Space its data (data path, split names, validation
    file) are the visitor's own uploads, bundled examples or Hub dataset ids, a local base model is the
    model of one of the visitor's own runs, and remote code runs only for the Space's admins. The console
    script is not confined: there the person owns the machine.

    Raises:
        ConfigError (PathRefused): a field outside what the visitor may read, naming the field and the value.
        RunFolderError: a base model from another visitor's run.
    """
    name = config.project_name
    if name:
        if not is_plain_name(name):
            raise ConfigError(
                f"project_name: '{shorten(name)}' must be a plain folder name (no '/' or '..'); the run goes under {runs_root()}"
            )
        config = config.replace(project_name=str(runs_root() / name))
    if space:
        changes = {
            "data_path": confine_data(config.data_path, "data_path", visitor),
            "train_split": confine_split(config.train_split, "train_split", visitor),
            "valid_split": confine_split(config.valid_split, "valid_split", visitor),
        }
        check_model_ref(config.model, visitor)
        check_model_ref(config.retriever, visitor, "retriever")
        if config.trust_remote_code and not (visitor and visitor.admin):
            raise ConfigError(
                "trust_remote_code: on this Space only its owner may run a model's own code; pick a model that needs "
                "none, or duplicate the Space"
            )
        config = config.replace(**{k: v for k, v in changes.items() if v != getattr(config, k)})
    return config


def check_ready(config: TrainConfig) -> TrainConfig:
    """The data check of `config` before its run starts from the app: the data is read and prepared as the run
    would, and what would stop the run or leave it unjudgeable (core.training.readiness) refuses it. Returns
    the config.

    Raises:
        DataError: the data cannot be read or prepared, or is not ready (each blocker named, with its fix).
    """
    from core.training.data_check import check_data, not_ready

    try:
        report = check_data(config, load=False)
    except DataError as exc:
        raise DataError(f"{NOT_READY}: {exc}") from None
    why = not_ready(report)
    if why:
        raise DataError(why)
    return config
