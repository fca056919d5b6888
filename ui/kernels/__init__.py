"""Parts of the Kernels page: what a filter looks for."""
