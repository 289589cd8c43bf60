"""HTTP handlers: parse, authorize, one service call. Route tables per area."""
