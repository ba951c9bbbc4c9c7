"""Plugin logs: one JSON line per record in PLUGINS_DIR/logs/<plugin>.log.

Written by the runner (handler errors, limits, `logger.log` and `print` in plugin code) and by the
effect appliers (effects refused or applied); read by `frontdesk plugin logs` and the back office.
"""

from __future__ import annotations

import contextvars
import json
import logging
import time
import traceback
from collections import deque
from pathlib import Path
from typing import Any

from django.conf import settings

log = logging.getLogger("frontdesk.plugins")

# The plugin, handler and event a process is working for, for records that do not name them.
current_call: contextvars.ContextVar[tuple[str, str, str] | None] = contextvars.ContextVar("plugin_call", default=None)

MAX_LOG_BYTES = 5 * 1024 * 1024


def log_dir() -> Path:
    return Path(settings.PLUGINS_DIR) / "logs"


class PluginLogHandler(logging.Handler):
    """Append records that belong to a plugin to that plugin's log file."""

    def emit(self, record: logging.LogRecord) -> None:
        call = current_call.get()
        plugin = getattr(record, "plugin", None) or (call[0] if call else None)
        if not plugin:
            return
        line: dict[str, Any] = {
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname,
            "plugin": plugin,
            "handler": getattr(record, "handler", None) or (call[1] if call else ""),
            "event": getattr(record, "event", None) or (call[2] if call else ""),
            "message": record.getMessage()[:4000],
        }
        if record.exc_info and record.exc_info[0] is not None:
            line["traceback"] = "".join(traceback.format_exception(*record.exc_info))[-4000:]
        try:
            directory = log_dir()
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / f"{plugin}.log"
            if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
                path.replace(path.with_suffix(".log.1"))  # keep one older file
            # One write() of one line to a file opened for appending: whole lines across processes.
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(line) + "\n")
        except OSError:
            self.handleError(record)


def plugin_log(plugin: str, handler: str, event: str, level: int, message: str, exc: bool = False) -> None:
    """Write one record to `plugin`'s log."""
    log.log(level, "%s", message, extra={"plugin": plugin, "handler": handler, "event": event}, exc_info=exc)


def read_log(plugin: str, *, lines: int = 100) -> list[dict[str, Any]]:
    """The last `lines` records of a plugin's log, oldest first ([] when it has none)."""
    path = log_dir() / f"{plugin}.log"
    if not path.exists():
        return []
    with open(path, encoding="utf-8", errors="replace") as fh:
        tail = deque(fh, maxlen=lines)
    records = []
    for raw in tail:
        try:
            records.append(json.loads(raw))
        except json.JSONDecodeError:
            continue
    return records


def install_handler() -> None:
    """Attach the plugin log handler once per process (called from PluginsConfig.ready)."""
    if not any(isinstance(h, PluginLogHandler) for h in log.handlers):
        log.addHandler(PluginLogHandler())
    sdk = logging.getLogger("frontdesk.plugins.sdk")  # `logger.log` in plugin code
    if sdk.level == logging.NOTSET:
        sdk.setLevel(logging.INFO)
