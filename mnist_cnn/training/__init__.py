"""Training runs: settings, the fit loop, fine-tuning, lineage, per-epoch snapshots, train-and-save."""
