"""`canvas_sdk.handlers`: plugin handler base classes."""

from frontdesk.sdk.handlers.base import BaseHandler

__all__ = ["BaseHandler"]
