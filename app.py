"""SBERT Studio's browser app. Thin: builds the page from ui/ and launches it.

HOST and PORT (default 127.0.0.1:7860) choose where it serves. torch and sentence-transformers
are imported on first use (loading a model, training), not here, so the page is up quickly.
"""

from __future__ import annotations

import logging
import os


def main() -> None:
    from ui.layout import CSS, THEME, build_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    demo = build_app()
    demo.queue(default_concurrency_limit=4)
    demo.launch(
        server_name=os.environ.get("HOST", "127.0.0.1"),
        server_port=int(os.environ.get("PORT", "7860")),
        theme=THEME,
        css=CSS,
        show_error=True,
    )


if __name__ == "__main__":
    main()
