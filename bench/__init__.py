"""Benchmarks: each area's runs, started with `python -m bench.<area>.run` from the repo root."""
