"""Benchmarks: a generator of valid input workbooks by size, and a stage-by-stage timing harness."""
