"""The Hugging Face Hub: reachability checks, pushing a run's model and its model card."""
