"""A small outbound HTTP client: timeouts always, and no requests to private addresses.

Used for provider APIs (Twilio) now and for plugin `Http` and webhooks later. Resolving the host
and refusing loopback, private, link-local and reserved addresses stops a configured URL from
reaching the clinic's internal network (SSRF).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

DEFAULT_TIMEOUT = 10.0
MAX_BYTES = 20 * 1024 * 1024


class ResponseTooLarge(OSError):
    """The body is over the caller's limit (an OSError: callers treat it as a failed request)."""


class BlockedAddress(Exception):
    """The URL resolves to an address frontdesk must not call."""


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content or b"null")


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, allow_private: bool = False) -> None:
    """Raise BlockedAddress unless `url` is http(s) and every address its host resolves to is public."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise BlockedAddress(f"{url!r} is not an http(s) URL")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise BlockedAddress(f"cannot resolve {parts.hostname}: {exc}") from None
    for info in infos:
        if not is_public_address(str(info[4][0])):
            raise BlockedAddress(f"{parts.hostname} resolves to a private address")


def request(
    method: str,
    url: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    allow_private: bool = False,
    max_bytes: int = MAX_BYTES,
) -> Response:
    """Make one request and return its response (HTTP errors are responses, not exceptions).

    Raises BlockedAddress for a forbidden target, and OSError for network failures, timeouts and
    bodies over `max_bytes` (ResponseTooLarge).
    """
    check_url(url, allow_private=allow_private)
    all_headers = dict(headers or {})
    if auth is not None:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        all_headers["Authorization"] = f"Basic {token}"
    req = urllib.request.Request(url, data=data, headers=all_headers, method=method)  # noqa: S310 (scheme checked above)
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return Response(resp.status, dict(resp.headers.items()), _read_capped(resp, max_bytes))
    except urllib.error.HTTPError as err:
        return Response(err.code, dict(err.headers.items()), _read_capped(err, max_bytes))


def _read_capped(stream: Any, max_bytes: int) -> bytes:
    """Read at most `max_bytes`; a longer body raises ResponseTooLarge (never held in memory whole)."""
    body = stream.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise ResponseTooLarge(f"the response is larger than {max_bytes // (1024 * 1024)} MiB")
    return bytes(body)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Return redirects as responses: following one could lead to an unchecked address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post_form(url: str, fields: dict[str, str], **kwargs: Any) -> Response:
    body = urllib.parse.urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return request("POST", url, data=body, headers=headers, **kwargs)
