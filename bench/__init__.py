"""Benchmarks: measured against real servers, never asserted on timing in the test suite."""
