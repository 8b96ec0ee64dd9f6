"""One module per schema version, oldest first (revision ids 0001, 0002, ...)."""
