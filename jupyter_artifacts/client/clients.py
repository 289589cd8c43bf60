"""`Client` and `AsyncClient`: the same methods (methods.py), sent with httpx's sync or async client."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import httpx

from .calls import Call
from .methods import Methods
from .transport import Retry, exchange, run_async, run_sync

if TYPE_CHECKING:
    from typing_extensions import Self

ENV_URL = "JUPYTER_ARTIFACTS_URL"
ENV_TOKEN = "JUPYTER_ARTIFACTS_TOKEN"
DEFAULT_URL = "http://127.0.0.1:8888/"


def _config(url: str | None, token: str | None) -> tuple[str, str | None]:
    """The server's base URL (with its base_url path) and token: given, else from the environment.
    A URL as Jupyter prints it (`…/lab?token=…`) gives its token too."""
    url = url or os.environ.get(ENV_URL) or DEFAULT_URL
    token = token or os.environ.get(ENV_TOKEN) or None
    parts = urlsplit(url)
    if parts.query:
        token = token or (parse_qs(parts.query).get("token") or [None])[0]
    base = parts.path
    for tail in ("/lab", "/tree"):  # a URL copied from the browser names a page, not the base
        if base.rstrip("/").endswith(tail):
            base = base.rstrip("/")[: -len(tail)]
    return urlunsplit((parts.scheme, parts.netloc, base.rstrip("/") + "/", "", "")), token


class _Base(Methods):
    def __init__(self, url: str | None = None, token: str | None = None, *, retry: Retry | int | None = None,
                 timeout: float | httpx.Timeout = 60.0, job_timeout: float | None = 3600.0,
                 headers: dict[str, str] | None = None, **httpx_options: Any):
        """`url`: the Jupyter server's base URL (default `$JUPYTER_ARTIFACTS_URL`, else
        http://127.0.0.1:8888/); `token`: its token (default `$JUPYTER_ARTIFACTS_TOKEN`).
        `retry`: a `Retry`, or how many attempts in all (1: never retry). `timeout`: per request,
        seconds. `job_timeout`: how long to wait for a job (None: as long as it runs).
        Other keyword arguments go to httpx's client (e.g. `verify`, `event_hooks`, `transport`)."""
        self.url, self.token = _config(url, token)
        self.retry = retry if isinstance(retry, Retry) else Retry(attempts=retry) if retry else Retry()
        self.job_timeout = job_timeout
        auth = {"Authorization": f"token {self.token}"} if self.token else {}
        self._options = dict(base_url=self.url, timeout=timeout, headers={**auth, **(headers or {})},
                             **httpx_options)

    def _build(self, call: Call) -> httpx.Request:
        headers = dict(call.headers)
        if call.idempotency_key:
            headers["Idempotency-Key"] = call.idempotency_key
        if call.job and call.method != "GET":
            headers["Prefer"] = "respond-async"
        json = {"json": call.body} if call.has_body else {}
        return self._http.build_request(call.method, call.path, params=call.params, headers=headers, **json)

    def _raw(self, method: str, path: str, json: Any, params: dict | None, headers: dict | None,
             has_body: bool) -> Call:
        headers = dict(headers or {})
        key = next((headers.pop(k) for k in list(headers) if k.lower() == "idempotency-key"), None)
        return Call(method.upper(), path.lstrip("/"), params=params, body=json, has_body=has_body,
                    idempotency_key=key, headers=headers)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"


class Client(_Base):
    """The REST API of jupyter_artifacts, one method per route, replies as the package's models.

    >>> with Client() as api:                     # $JUPYTER_ARTIFACTS_URL, $JUPYTER_ARTIFACTS_TOKEN
    ...     v = api.create_artifact(artifact_type="hypothesis", title="TREM2 loss raises plaque load")
    ...     v.ref
    'hypothesis-1a2b3c4d@v1'
    """

    def __init__(self, url: str | None = None, token: str | None = None, **options: Any):
        super().__init__(url, token, **options)
        self._http = httpx.Client(**self._options)

    def _send(self, call: Call) -> Any:
        return run_sync(self._http, exchange(self._build, call, self.retry, self.job_timeout))

    def _iterate(self, make_call: Callable[[str | None], Call]) -> Iterator[Any]:
        cursor = None
        while True:
            page = self._send(make_call(cursor))
            yield from page.items
            cursor = page.next_cursor
            if not cursor:
                return

    def request(self, method: str, path: str, json: Any = None, *, params: dict | None = None,
                headers: dict | None = None) -> Any:
        """Any route (`path` relative to the base URL), with the same retries, idempotency key and
        errors as the typed methods; the reply's JSON as is."""
        return self._send(self._raw(method, path, json, params, headers, json is not None))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class AsyncClient(_Base):
    """The same methods as `Client`, each awaited; iterators are async (`async for`)."""

    def __init__(self, url: str | None = None, token: str | None = None, **options: Any):
        super().__init__(url, token, **options)
        self._http = httpx.AsyncClient(**self._options)

    async def _send(self, call: Call) -> Any:
        return await run_async(self._http, exchange(self._build, call, self.retry, self.job_timeout))

    async def _iterate(self, make_call: Callable[[str | None], Call]) -> AsyncIterator[Any]:
        cursor = None
        while True:
            page = await self._send(make_call(cursor))
            for item in page.items:
                yield item
            cursor = page.next_cursor
            if not cursor:
                return

    async def request(self, method: str, path: str, json: Any = None, *, params: dict | None = None,
                      headers: dict | None = None) -> Any:
        return await self._send(self._raw(method, path, json, params, headers, json is not None))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()
