"""Pydantic models for every request and reply, one module per area."""
