"""Parts of the My digits page: the collection's gallery."""
