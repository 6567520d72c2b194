"""Say quickly when the Hub cannot be reached, instead of retrying for a minute.

huggingface_hub retries a download for about a minute when there is no network; with
HF_HUB_OFFLINE set it fails at once. Before any Hub download the studio checks both, so a person
learns within seconds which id could not be fetched and what to do instead.
"""

from __future__ import annotations

import os
import threading

__all__ = ["PROBE_SECONDS", "ensure_hub_reachable", "hub_endpoint"]

PROBE_SECONDS = 3.0


def hub_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")


def _offline_flag() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def ensure_hub_reachable(repo_id: str, kind: str, error: type[Exception], *, push: bool = False) -> None:
    """Raise `error` naming `repo_id` when offline mode is set or the Hub does not answer within seconds.

    `push`: the message is about pushing (the model stays in the run folder) rather than downloading.
    """
    fix = "use a local path instead, or connect this machine to the internet"
    if push:
        fix = "connect this machine to the internet and push again; the model stays in its run folder"
        if _offline_flag():
            raise error(f"HF_HUB_OFFLINE is set, so nothing can be pushed to {kind} '{repo_id}'; unset it and push again")
    elif _offline_flag():
        raise error(f"{kind} '{repo_id}' is not on this machine and HF_HUB_OFFLINE is set, so it cannot be downloaded; {fix}")
    outcome: dict[str, BaseException | None] = {}

    def probe() -> None:
        import httpx

        try:
            httpx.head(hub_endpoint(), timeout=PROBE_SECONDS, follow_redirects=False)
            outcome["error"] = None
        except Exception as exc:  # any transport failure means: not reachable
            outcome["error"] = exc

    thread = threading.Thread(target=probe, daemon=True)  # name resolution ignores httpx's timeout
    thread.start()
    thread.join(PROBE_SECONDS + 1)
    if outcome.get("error", TimeoutError()) is not None:
        action = "push to" if push else "download"
        raise error(f"cannot reach the Hugging Face Hub ({hub_endpoint()}) to {action} {kind} '{repo_id}'; {fix}")
