"""Parts of the Switch-filters-off page: copies with filters off, their accuracy and the ranking, cached."""
