"""SBERT Studio's browser app. Thin: builds the page from ui/ and launches it.

HOST and PORT (default 127.0.0.1:7860) choose where it serves; on a Hugging Face Space (SPACE_ID
set) it serves on 0.0.0.0 and the port Gradio's GRADIO_SERVER_* variables give. torch and
sentence-transformers are imported on first use (loading a model, training), not here, so the
page is up quickly.
"""

from __future__ import annotations

import logging
import os

# Gradio's queue recomputes a pandas summary of up to 10,000 past events after every event, for a
# monitoring view the studio does not use; with pages refreshing the Train tab every second that was
# a large share of the server's CPU (bench/load.py, profiled). Recompute it rarely, over fewer events.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")


def main() -> None:
    from ui.layout import CSS, THEME, build_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    demo = build_app()
    demo.queue(default_concurrency_limit=4)
    from core.environment import on_space
    from core.training.prefork import warm_up
    from core.training.supervisor import child_environment

    space = on_space()
    host = os.environ.get("HOST") or os.environ.get("GRADIO_SERVER_NAME") or ("0.0.0.0" if space else "127.0.0.1")
    port = os.environ.get("PORT") or os.environ.get("GRADIO_SERVER_PORT") or "7860"
    try:
        demo.launch(
            server_name=host,
            server_port=int(port),
            theme=THEME,
            css=CSS,
            show_error=True,
            prevent_thread_lock=True,
        )
        if demo.is_running:  # the page is up: the trainer imported now in a process of its own, so a run starts at once
            warm_up(child_environment())
            demo.block_thread()
    finally:  # Ctrl-C: the run training in a child process stops after its step and saves its model
        from core.training.registry import registry

        stopped = registry.stop_all()
        if stopped:
            logging.getLogger("sbert_studio").info("stopped run(s) %s; their models are saved", ", ".join(stopped))


if __name__ == "__main__":
    main()
