"""Data: reading tables, suggesting roles and trainer types, preparing the splits, data recipes.

Never imports core.training, core.runs or core.inference (tests/test_architecture.py).
"""
