"""Glue of the Build page: the layer table, its measurements, and sending a built network to the Retrain panel."""
