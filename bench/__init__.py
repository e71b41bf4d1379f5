"""Benchmarks of the pipeline at national scale, each against what its engine does alone.

`make bench` (or `python -m bench`) generates the large ledgers once (`bench/data/`, git-ignored),
runs every benchmark with each measured step in its own child process, and rewrites
`bench/results.md`. Never part of the test suite.
"""
