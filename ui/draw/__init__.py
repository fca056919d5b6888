"""Parts of the Draw page: canvas controls, uploads, the what-if block and the neighbours map."""
