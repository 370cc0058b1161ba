"""The HTTP API: one router module per resource; handlers call report and store functions."""
