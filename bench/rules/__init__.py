"""Decisions per second for `rules.decide` against a hand-written function doing the same checks."""
