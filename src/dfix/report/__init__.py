"""Rendering reports: one module per --format."""
