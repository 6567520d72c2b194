"""A loss's own trained layer (SoftmaxLoss's classifier) travels with each checkpoint, so a resumed run goes on
with the classifier it had, not a freshly initialised one (the optimizer's state for it is restored by the trainer
already; its weights are not part of the model the trainer saves).

The verdict never reads this classifier: pair_class runs are judged on the embeddings (core.training.pair_probe).
"""

from __future__ import annotations

from pathlib import Path

from transformers import TrainerCallback

__all__ = ["HEAD_FILE", "LossHeadCallback", "head_of", "restore_head", "save_head"]

HEAD_FILE = "loss_head.pt"


def head_of(loss):
    """The loss's own trainable layer, or None (every loss but SoftmaxLoss has none)."""
    return getattr(loss, "classifier", None)


def save_head(loss, checkpoint: Path) -> None:
    """Write the loss's layer into `checkpoint` (a trainer checkpoint folder), when it has one."""
    import torch

    head = head_of(loss)
    if head is not None and checkpoint.is_dir():
        torch.save(head.state_dict(), checkpoint / HEAD_FILE)


def restore_head(loss, checkpoint: Path) -> bool:
    """Load the loss's layer from `checkpoint`; False when the loss has none or the checkpoint holds none."""
    import torch

    head, path = head_of(loss), checkpoint / HEAD_FILE
    if head is None or not path.is_file():
        return False
    head.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return True


class LossHeadCallback(TrainerCallback):
    """Saves the loss's layer beside each checkpoint the trainer writes."""

    def __init__(self, loss) -> None:
        self.loss = loss

    def on_save(self, args, state, control, **kwargs):
        save_head(self.loss, Path(args.output_dir) / f"checkpoint-{state.global_step}")
