"""Which enabled plugins respond to which events, as this process last read it.

Every change to the installed plugins (install, enable, disable, uninstall) touches the
generation file after it commits; web, worker and runner processes re-read the plugin table only
when its modification time changes, so the common case (no change) costs one stat().
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction

from frontdesk.plugins.models import Plugin

_lock = threading.Lock()
_state: dict[str, object] = {"generation": None, "routes": {}}


def generation_file() -> Path:
    return Path(settings.PLUGINS_DIR) / "generation"


def current_generation(path: Path | None = None) -> int:
    """The generation file's modification time in nanoseconds (0 before the first install)."""
    try:
        return (path or generation_file()).stat().st_mtime_ns
    except FileNotFoundError:
        return 0


def bump_generation() -> None:
    """Tell every process the plugin set changed, once the current transaction commits."""

    def touch() -> None:
        path = generation_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        # Strictly increasing even when two bumps land within the file system's clock tick.
        new = max(time.time_ns(), current_generation(path) + 1)
        os.utime(path, ns=(new, new))
        forget()

    transaction.on_commit(touch)


def forget() -> None:
    with _lock:
        _state["generation"] = None


def routes() -> dict[str, list[str]]:
    """Event name → names of enabled plugins with a handler for it, in answering order."""
    generation = current_generation()
    with _lock:
        if _state["generation"] == generation:
            return _state["routes"]  # type: ignore[return-value]
    table: dict[str, list[str]] = {}
    for name, events in Plugin.objects.enabled().order_by("install_order", "name").values_list("name", "responds_to"):
        for event_name in events:
            table.setdefault(event_name, []).append(name)
    with _lock:
        _state["generation"] = generation
        _state["routes"] = table
    return table


def anyone_responds_to(event_name: str) -> bool:
    return bool(routes().get(event_name))
