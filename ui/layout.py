"""The page. Until the app issue lands it says what the studio is and how to train from the console."""

from __future__ import annotations

import gradio as gr

INTRO = """# SBERT Studio
Fine-tune sentence embedding models on your own pairs, triplets or scored pairs.

The training core is ready; the data, model and training tabs come next. Meanwhile, train from the console:

```
sbert-studio train --data-path pairs.csv --trainer pair_score --project-name runs/my-run
```
"""


def build_app() -> gr.Blocks:
    with gr.Blocks(title="SBERT Studio") as demo:
        gr.Markdown(INTRO)
    return demo
