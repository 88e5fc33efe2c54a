"""Coordinator jobs: match runs."""
