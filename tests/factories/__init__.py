"""Builders for tests: configs, staff, kiosks and signed-in clients."""
