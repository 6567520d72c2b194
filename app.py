"""SBERT Studio's browser app. Thin: builds the page from ui/ and launches it.

HOST and PORT (default 127.0.0.1:7860) choose where it serves.
"""

from __future__ import annotations

import os


def main() -> None:
    from ui.layout import build_app

    demo = build_app()
    demo.launch(server_name=os.environ.get("HOST", "127.0.0.1"), server_port=int(os.environ.get("PORT", "7860")))


if __name__ == "__main__":
    main()
