"""Benchmarks that print the app's figures: run each as `python -m benchmarks.<name>`, all with `make bench`."""
