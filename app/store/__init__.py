"""The local store: what the org sent us, what we decided and wrote, and each run's record."""
