"""What tests and benchmarks share: the broker, the service process, the harness, devices."""
