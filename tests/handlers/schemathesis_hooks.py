"""Schemathesis hooks for tests/handlers/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

Tornado (under jupyter_server) closes the connection, without any reply, on a request whose
line and headers exceed 64 KiB; no handler ever sees it, so no status can be documented for
it (README, "The REST API"). Cases that would send such a request are left out; everything
else schemathesis generates is sent.
"""

from __future__ import annotations

from urllib.parse import urlencode

import schemathesis

TORNADO_MAX_HEAD = 65536
MARGIN = 4096  # the request line's method and version, and the headers


def _size(value) -> int:
    return len(str(value).encode("utf-8", "surrogatepass")) * 3  # percent-encoding triples a byte at most


@schemathesis.hook
def filter_query(context, query) -> bool:
    return not query or len(urlencode(query, doseq=True).encode("utf-8", "surrogatepass")) * 3 < \
        TORNADO_MAX_HEAD - MARGIN


@schemathesis.hook
def filter_path_parameters(context, path_parameters) -> bool:
    return sum(_size(v) for v in (path_parameters or {}).values()) < TORNADO_MAX_HEAD - MARGIN


@schemathesis.hook
def filter_headers(context, headers) -> bool:
    return sum(_size(k) + _size(v) for k, v in (headers or {}).items()) < TORNADO_MAX_HEAD - MARGIN
