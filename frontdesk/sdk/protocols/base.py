"""`BaseProtocol` (`canvas_sdk.protocols.base`): Canvas's older name for a plugin handler."""

from __future__ import annotations

from abc import ABC

from frontdesk.sdk.handlers.base import BaseHandler


class BaseProtocol(BaseHandler, ABC):
    """A handler; identical to BaseHandler."""
