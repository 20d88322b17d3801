"""Waiting-room screens and their live feed."""
