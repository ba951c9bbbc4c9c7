"""Http: requests through frontdesk.lib.http (timeouts, no private addresses), requests-like responses.

No test touches the network: most use a fake `lib.http.request`; one talks to a local server,
allowed only by wrapping the real function with `allow_private=True` for that test.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from frontdesk.lib import http as lib_http
from frontdesk.sdk.utils import Http, batch_delete, batch_get, batch_patch, batch_post, batch_put, batch_requests
from frontdesk.sdk.utils.http import HTTPError


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def fake(method: str, url: str, **kwargs: Any) -> lib_http.Response:
        calls.append({"method": method, "url": url, **kwargs})
        status = 404 if url.endswith("/missing") else 200
        return lib_http.Response(status, {"Content-Type": "application/json"}, b'{"ok": true}')

    monkeypatch.setattr(lib_http, "request", fake)
    return calls


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_it_sends_each_method_with_a_30_second_timeout(sent: list[dict[str, Any]], method: str) -> None:
    response = getattr(Http("https://api.example.com"), method)("/v1/things")
    assert sent[0]["method"] == method.upper()
    assert sent[0]["url"] == "https://api.example.com/v1/things"
    assert sent[0]["timeout"] == 30
    assert (response.status_code, response.ok, response.json()) == (200, True, {"ok": True})
    assert response.headers["content-type"] == "application/json"
    assert response.text == '{"ok": true}'


@pytest.mark.parametrize(
    ("kwargs", "body", "content_type"),
    [
        ({"json": {"a": 1}}, b'{"a": 1}', "application/json"),
        ({"data": {"a": "1 2"}}, b"a=1+2", "application/x-www-form-urlencoded"),
        ({"data": "raw"}, b"raw", None),
        ({"data": b"\x00"}, b"\x00", None),
        ({}, None, None),
    ],
)
def test_it_encodes_json_and_form_bodies(
    sent: list[dict[str, Any]], kwargs: dict[str, Any], body: bytes | None, content_type: str | None
) -> None:
    Http().post("https://api.example.com/", headers={"X-Key": "k"}, **kwargs)
    assert sent[0]["data"] == body
    assert sent[0]["headers"].get("Content-Type") == content_type
    assert sent[0]["headers"]["X-Key"] == "k"


def test_it_returns_errors_as_responses_that_can_raise(sent: list[dict[str, Any]]) -> None:
    response = Http().get("https://api.example.com/missing")
    assert (response.status_code, response.ok) == (404, False)
    with pytest.raises(HTTPError, match="404"):
        response.raise_for_status()


def test_it_runs_batches_concurrently_in_order(sent: list[dict[str, Any]]) -> None:
    responses = Http("https://api.example.com").batch_requests(
        [
            batch_get("/a"),
            batch_post("/b", json={"x": 1}),
            batch_put("/c", data="c"),
            batch_patch("/d"),
            batch_delete("/missing"),
        ],
        timeout=10,
    )
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 404]
    assert sorted((c["method"], c["url"]) for c in sent) == [
        ("DELETE", "https://api.example.com/missing"),
        ("GET", "https://api.example.com/a"),
        ("PATCH", "https://api.example.com/d"),
        ("POST", "https://api.example.com/b"),
        ("PUT", "https://api.example.com/c"),
    ]
    assert {c["timeout"] for c in sent} == {10}
    assert batch_requests([]) == []


def test_it_refuses_batch_timeouts_over_30_seconds(sent: list[dict[str, Any]]) -> None:
    with pytest.raises(ValueError, match="at most 30"):
        batch_requests([batch_get("https://api.example.com/")], timeout=31)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/", "http://10.0.0.1/", "http://169.254.169.254/", "file:///etc"])
def test_it_refuses_private_addresses(url: str) -> None:
    with pytest.raises(lib_http.BlockedAddress):
        Http().get(url)


class Echo(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        payload = json.dumps({"method": self.command, "path": self.path, "body": json.loads(body)}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def local_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # Test-only: let this one test reach loopback through the real client.
    monkeypatch.setattr(lib_http, "request", functools.partial(lib_http.request, allow_private=True))
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_it_talks_http_to_a_real_server(local_server: str) -> None:
    response = Http(local_server).post("/hook?x=1", json={"a": [1, 2]})
    assert response.status_code == 201
    assert response.json() == {"method": "POST", "path": "/hook?x=1", "body": {"a": [1, 2]}}
