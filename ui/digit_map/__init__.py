"""Parts of the Digit map page: maps cached per model, layer and method, and the digits' thumbnails."""
