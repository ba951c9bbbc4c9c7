"""The runner's wire format, shared by both ends: one request or response per connection, a
4-byte big-endian length, then UTF-8 JSON."""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

MAX_FRAME = 32 * 1024 * 1024  # 32 MiB: far above any real answer, low enough to refuse junk


class WireError(Exception):
    """The other end closed early, sent junk, or sent too much."""


def send(sock: socket.socket, message: Any) -> None:
    body = json.dumps(message, separators=(",", ":")).encode()
    if len(body) > MAX_FRAME:
        raise WireError(f"message of {len(body)} bytes is over the {MAX_FRAME}-byte limit")
    sock.sendall(struct.pack(">I", len(body)) + body)


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = []
    remaining = size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise WireError("connection closed mid-message")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def receive(sock: socket.socket) -> Any:
    (size,) = struct.unpack(">I", _read_exactly(sock, 4))
    if size > MAX_FRAME:
        raise WireError(f"message of {size} bytes is over the {MAX_FRAME}-byte limit")
    try:
        return json.loads(_read_exactly(sock, size))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"not JSON: {exc}") from None
