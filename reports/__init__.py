"""Managers: the live floor and the reports."""
