"""Tables the code reads (permission catalogue, tracker list with its licence)."""
