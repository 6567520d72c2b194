"""Gradio UI: one module per tab. The only package that imports gradio."""
