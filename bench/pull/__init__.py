"""Benchmark of a first pull from `sfsim` on loopback (`python -m bench.pull.run`)."""
