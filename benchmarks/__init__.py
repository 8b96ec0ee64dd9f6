"""Benchmarks: instance readers and runners (not part of the default test run)."""
