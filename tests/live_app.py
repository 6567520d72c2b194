"""The app served for real on a free local port, in this process, for gradio_client and browser tests."""

from __future__ import annotations

import contextlib
import os
import socket
import time

from core.runs.state import TERMINAL_STATES
from core.training.registry import registry

# Debian's Chromium, never a browser a tool downloads; flags for a headless machine without a GPU
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_app():
    """Build and launch the app; yield its URL; close it (after any run it started has ended)."""
    from ui.layout import CSS, THEME, build_app

    demo = build_app()
    demo.queue(default_concurrency_limit=4)
    _, url, _ = demo.launch(
        server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True, theme=THEME, css=CSS
    )
    try:
        yield url.rstrip("/")
    finally:
        wait_for_runs()
        demo.close()


def wait_for_runs(timeout: float = 900) -> None:
    """Stop whatever still trains and wait for it, so the next test starts with the GPU free."""
    job = registry.current()
    if job is not None and job.state.state not in TERMINAL_STATES:
        job.stop()
        deadline = time.time() + timeout
        while job.state.state not in TERMINAL_STATES and time.time() < deadline:
            time.sleep(0.2)
