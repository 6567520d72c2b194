"""A run's config as YAML and as the console commands that run it headless (one process, or torchrun)."""

from __future__ import annotations

import shlex

from core.config import TrainConfig
from core.runs.folder import CONFIG_FILE

__all__ = ["commands"]


def commands(config: TrainConfig, config_file: str = CONFIG_FILE) -> dict[str, str]:
    """`yaml`, `train` (one process) and `torchrun` (every GPU of the machine) for `config`.

    The YAML never holds the token (TrainConfig.to_dict leaves it out).
    """
    path = shlex.quote(config_file)
    return {
        "yaml": config.to_yaml(),
        "train": f"sbert-studio train --config {path}",
        # `--nproc_per_node gpu` starts one process per visible GPU; the trainer runs DDP across them
        "torchrun": f"torchrun --standalone --nproc_per_node gpu -m cli train --config {path}",
    }
