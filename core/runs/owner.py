"""Who may stop or delete a run: on a Space, a run started by a logged-in person is theirs alone.

Off a Space (a laptop, a GPU box) whoever reaches the app owns every run. The Train and Runs tabs
ask here before they stop or delete; the registry (core.training.jobs) records the owner.
"""

from __future__ import annotations

from core.environment import on_space
from core.errors import RunFolderError

__all__ = ["check_owner"]


def check_owner(owner: str | None, username: str | None, action: str) -> None:
    """Raise RunFolderError unless `username` may `action` ("stop", "delete") a run started by `owner`."""
    if on_space() and owner and username != owner:
        raise RunFolderError(f"this run belongs to {owner}; only they can {action} it. Duplicate the Space to train your own")
