"""Training: the job, its losses, evaluators, batch samplers and callback, and the one-run registry."""
