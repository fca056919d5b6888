"""Networks: the architecture registry, layer kinds, compiled forward passes and classification."""
