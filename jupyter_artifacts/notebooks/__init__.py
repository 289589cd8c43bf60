"""Notebook artifacts: format, content, diff, rendering and execution of notebook versions."""
