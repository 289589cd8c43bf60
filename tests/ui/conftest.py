"""The browser tests' fixtures (their machinery is in browser.py)."""

from browser import lab  # noqa: F401  (a fixture)
