"""Builders for tests: configs, staff, kiosks, signed-in clients and real server processes."""
