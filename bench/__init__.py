"""frontdesk's benchmarks (run by `make bench`, never by the test suite: machines are noisy)."""
