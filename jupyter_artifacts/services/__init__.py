"""The rules, one module per area; plain async Python (no tornado, no SQL)."""
