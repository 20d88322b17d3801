"""Persistence of the domain: typed tables, and the store the core talks to."""
