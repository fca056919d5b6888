"""Parts of the Convolution demo page: the step-by-step operations."""
