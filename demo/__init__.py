"""Run a whole hub on one machine: the demo, the benchmarks and the integration tests use it."""
