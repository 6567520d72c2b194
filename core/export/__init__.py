"""Export for serving: a run's model as an ONNX graph with pooling, Dense layers and normalisation inside, an
int8 copy, each checked against the trained PyTorch model (core.export.run)."""
