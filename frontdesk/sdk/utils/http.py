"""`Http`: the synchronous HTTP client plugins use (`canvas_sdk.utils.http`).

Built on `frontdesk.lib.http.request`, so every request has a timeout (30 s, as Canvas's) and
none may reach a private, loopback or link-local address (BlockedAddress). Responses look like
`requests.Response`: `status_code`, `ok`, `headers`, `content`, `text`, `json()`. Redirects are
returned, not followed (following one could reach an unchecked address). `batch_requests` runs
several requests on a thread pool.
"""

from __future__ import annotations

import json as jsonlib
import urllib.parse
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from frontdesk.lib import http as lib_http

TIMEOUT = 30
MAX_WORKERS = 8


class HTTPError(Exception):
    """Raised by `Response.raise_for_status()` for a 4xx or 5xx response."""

    def __init__(self, message: str, response: Response) -> None:
        super().__init__(message)
        self.response = response


class CaseInsensitiveDict(dict[str, str]):
    """Response headers, looked up without regard to case (`headers["content-type"]`)."""

    def __init__(self, items: Mapping[str, str]) -> None:
        super().__init__({k.lower(): v for k, v in items.items()})

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)


@dataclass
class Response:
    """A finished request, with the parts of `requests.Response` plugins use."""

    status_code: int
    headers: CaseInsensitiveDict
    content: bytes
    url: str = ""

    @property
    def ok(self) -> bool:
        """Return whether the status is below 400."""
        return self.status_code < 400

    @property
    def text(self) -> str:
        """Return the body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """Return the body parsed as JSON; raises ValueError if it is not JSON."""
        return jsonlib.loads(self.content)

    def raise_for_status(self) -> None:
        """Raise HTTPError for a 4xx or 5xx status."""
        if not self.ok:
            raise HTTPError(f"{self.status_code} error for url: {self.url}", self)


@dataclass(frozen=True)
class BatchableRequest:
    """One request for `Http.batch_requests`, made by `batch_get`, `batch_post`, ..."""

    method: str
    url: str
    kwargs: dict[str, Any] = field(default_factory=dict)


class Http:
    """An HTTP client; request URLs are appended to `base_url`."""

    def __init__(self, base_url: str = "") -> None:
        self.base_url = base_url

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = TIMEOUT,
    ) -> Response:
        """Make one request and return its response (4xx/5xx are responses, not exceptions).

        `json` is sent as a JSON body; otherwise `data` (bytes, str, or a dict sent as a form).
        Raises frontdesk.lib.http.BlockedAddress for a forbidden URL and OSError on network
        failures and timeouts.
        """
        full_url = self.base_url + url
        all_headers = dict(headers or {})
        body: bytes | None
        if json is not None:
            body = jsonlib.dumps(json).encode()
            all_headers.setdefault("Content-Type", "application/json")
        elif isinstance(data, Mapping):
            body = urllib.parse.urlencode(data).encode()
            all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif isinstance(data, str):
            body = data.encode()
        else:
            body = data
        result = lib_http.request(method, full_url, data=body, headers=all_headers, timeout=min(timeout, TIMEOUT))
        return Response(result.status, CaseInsensitiveDict(result.headers), result.content, full_url)

    def get(
        self, url: str, headers: Mapping[str, str] | None = None, *, json: Any = None, data: Any = None
    ) -> Response:
        """GET `url` (`headers` second, as in Canvas); see `request`."""
        return self.request("GET", url, json=json, data=data, headers=headers)

    def post(self, url: str, json: Any = None, data: Any = None, headers: Mapping[str, str] | None = None) -> Response:
        """POST to `url`; see `request`."""
        return self.request("POST", url, json=json, data=data, headers=headers)

    def put(self, url: str, json: Any = None, data: Any = None, headers: Mapping[str, str] | None = None) -> Response:
        """PUT to `url`; see `request`."""
        return self.request("PUT", url, json=json, data=data, headers=headers)

    def patch(self, url: str, json: Any = None, data: Any = None, headers: Mapping[str, str] | None = None) -> Response:
        """PATCH `url`; see `request`."""
        return self.request("PATCH", url, json=json, data=data, headers=headers)

    def delete(
        self, url: str, json: Any = None, data: Any = None, headers: Mapping[str, str] | None = None
    ) -> Response:
        """DELETE `url`; see `request`."""
        return self.request("DELETE", url, json=json, data=data, headers=headers)

    def batch_requests(
        self, batch_requests: Iterable[BatchableRequest], timeout: float | None = None
    ) -> list[Response]:
        """Run the requests concurrently and return their responses in the same order.

        `timeout` (at most 30 s, the default) applies to each request. Raises ValueError for a
        longer timeout, and re-raises the first request's exception if one failed.
        """
        if timeout is None:
            timeout = TIMEOUT
        if not 0 < timeout <= TIMEOUT:
            raise ValueError(f"timeout must be more than 0 and at most {TIMEOUT} seconds")
        pending = list(batch_requests)
        if not pending:
            return []
        with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(pending))) as pool:
            futures = [pool.submit(self.request, r.method, r.url, timeout=timeout, **r.kwargs) for r in pending]
            return [future.result() for future in futures]


def batch_get(url: str, headers: Mapping[str, str] | None = None) -> BatchableRequest:
    """Return a GET for `Http.batch_requests`."""
    return BatchableRequest("GET", url, {"headers": headers})


def batch_post(
    url: str, json: Any = None, data: Any = None, headers: Mapping[str, str] | None = None
) -> BatchableRequest:
    """Return a POST for `Http.batch_requests`."""
    return BatchableRequest("POST", url, {"json": json, "data": data, "headers": headers})


def batch_put(
    url: str, json: Any = None, data: Any = None, headers: Mapping[str, str] | None = None
) -> BatchableRequest:
    """Return a PUT for `Http.batch_requests`."""
    return BatchableRequest("PUT", url, {"json": json, "data": data, "headers": headers})


def batch_patch(
    url: str, json: Any = None, data: Any = None, headers: Mapping[str, str] | None = None
) -> BatchableRequest:
    """Return a PATCH for `Http.batch_requests`."""
    return BatchableRequest("PATCH", url, {"json": json, "data": data, "headers": headers})


def batch_delete(
    url: str, json: Any = None, data: Any = None, headers: Mapping[str, str] | None = None
) -> BatchableRequest:
    """Return a DELETE for `Http.batch_requests` (frontdesk's addition; Canvas has none)."""
    return BatchableRequest("DELETE", url, {"json": json, "data": data, "headers": headers})


def batch_requests(requests: Iterable[BatchableRequest], timeout: float | None = None) -> list[Response]:
    """Run the requests concurrently with a plain `Http()`; see `Http.batch_requests`."""
    return Http().batch_requests(requests, timeout=timeout)


__all__ = [
    "BatchableRequest",
    "Http",
    "Response",
    "batch_delete",
    "batch_get",
    "batch_patch",
    "batch_post",
    "batch_put",
    "batch_requests",
]
