"""The app page builds (the tabs arrive with the UI issue; until then it explains the console script)."""

from __future__ import annotations


def test_the_app_builds_a_page_that_points_to_the_console_script():
    import gradio as gr

    from ui.layout import INTRO, build_app

    assert isinstance(build_app(), gr.Blocks)
    assert "sbert-studio train" in INTRO
