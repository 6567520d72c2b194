"""Runs: the run folder on disk, its state, the list of runs, progress read off a run, its commands.

Reads and writes files only: never imports core.training or core.inference.
"""
