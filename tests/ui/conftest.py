"""The browser tests' fixtures (their machinery is in browser.py)."""

from browser import demo_lab, lab  # noqa: F401  (fixtures)
