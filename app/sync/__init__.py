"""One sync run: lock, pull, decide, write back, record."""
