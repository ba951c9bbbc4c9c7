"""`logger`: the module plugins import their logger from (`from logger import log`).

`log` is a standard `logging.Logger`; the plugin runner attaches the handler that tags each
record with the plugin that wrote it.
"""

from __future__ import annotations

import logging

log = logging.getLogger("frontdesk.plugins.sdk")

__all__ = ["log"]
