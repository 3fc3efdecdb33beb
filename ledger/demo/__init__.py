"""Demo and workload helpers: synthetic, rule-valid credit records; the `make demo` scenario."""
