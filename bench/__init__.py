"""Benchmarks: cold start, critical path, cost, drill time and alarm-storm throughput (``make bench``)."""
