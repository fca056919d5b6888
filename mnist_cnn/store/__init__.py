"""The model store: model files with their metadata, kept evaluations, and model exchange."""
