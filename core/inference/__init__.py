"""Inference: resolving and loading models, the loaded-model cache, similarity and search."""
