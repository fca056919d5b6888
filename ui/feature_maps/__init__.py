"""Parts of the Feature maps page: tracing a unit's receptive field."""
