"""The local outbox: every email and SMS frontdesk would send, written as a file under
`settings.OUTBOX_DIR` so a person (or a browser test) can read it and follow its links.

Files are named `<UTC timestamp>-<kind>-<random>.<ext>` so a directory listing is in send order.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class OutboxItem:
    """One sent message as the staff Outbox page shows it."""

    name: str
    kind: str  # "email" or "sms"
    sent_at: datetime
    to: str
    subject: str
    body: str


def outbox_dir() -> Path:
    path = Path(settings.OUTBOX_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_item(kind: str, ext: str, content: bytes) -> Path:
    """Write one message atomically (temp file, then rename) and return its path."""
    stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%S%fZ")
    directory = outbox_dir()
    final = directory / f"{stamp}-{kind}-{secrets.token_hex(4)}.{ext}"
    temp = directory / f".{final.name}.tmp"
    temp.write_bytes(content)
    temp.replace(final)
    return final


def read_item(path: Path) -> OutboxItem:
    """Parse one outbox file. Raises ValueError for a file that is not an outbox message."""
    stamp, kind = path.name.split("-", 2)[:2]
    sent_at = datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    if kind == "email":
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        part = msg.get_body(preferencelist=("plain", "html"))
        body = part.get_content() if part is not None else ""
        return OutboxItem(path.name, kind, sent_at, str(msg["To"]), str(msg["Subject"]), body)
    if kind == "sms":
        data = json.loads(path.read_text())
        return OutboxItem(path.name, kind, sent_at, data["to"], "", data["body"])
    raise ValueError(f"{path.name} is not an outbox message")


def list_items(limit: int = 200) -> list[OutboxItem]:
    """Return the newest `limit` messages, newest first."""
    paths = sorted((p for p in outbox_dir().iterdir() if not p.name.startswith(".")), reverse=True)
    items: list[OutboxItem] = []
    for path in paths:
        if len(items) >= limit:
            break
        try:
            items.append(read_item(path))
        except (ValueError, KeyError, OSError):
            continue  # not a message (or a broken one): it does not count towards the limit
    return items


def get_item(name: str) -> OutboxItem:
    """Return the message with this file name. Raises FileNotFoundError for anything else."""
    if "/" in name or name.startswith(".") or not name:
        raise FileNotFoundError(name)
    path = outbox_dir() / name
    if not path.is_file():
        raise FileNotFoundError(name)
    return read_item(path)
