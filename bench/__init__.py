"""Benchmarks: `make bench` runs every bench/bench_*.py module's run() side by side with its anchor
and writes bench/results/<name>.json = {name, unit, ours, anchor, anchor_value, ratio, target}."""
