"""`BaseHandler`: the class every plugin handler subclasses (`canvas_sdk.handlers.base`).

The runner builds a fresh handler per event, `handler_class(event, secrets, environment)`,
skips it when `accept_event()` is False, and applies what `compute()` returns. A handler is
routed by its class attribute `RESPONDS_TO`: an event name or a list of names.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from typing import Any

from frontdesk.sdk.effects.effect import Effect
from frontdesk.sdk.events.base import Event


def _deprecated(name: str, instead: str) -> None:
    warnings.warn(
        f"{name} is deprecated as of 0.11.0 and will be removed in 1.0.0. Use '{instead}' directly instead",
        DeprecationWarning,
        stacklevel=3,
    )


class BaseHandler(ABC):
    """A plugin handler: `event`, `secrets` (the plugin's secrets) and `environment`."""

    environment: dict[str, Any]
    secrets: dict[str, Any]
    event: Event

    def __init__(
        self,
        event: Event,
        secrets: dict[str, Any] | None = None,
        environment: dict[str, Any] | None = None,
    ) -> None:
        self.event = event
        self.secrets = secrets or {}
        self.environment = environment or {}

    @property
    def context(self) -> dict[str, Any]:
        """Deprecated: return `self.event.context` (and warn)."""
        _deprecated("context", "event.context")
        return self.event.context

    @property
    def target(self) -> str:
        """Deprecated: return the target's id string, `self.event.target.id` (and warn)."""
        _deprecated("target", "event.target.id")
        return self.event.target.id

    @abstractmethod
    def compute(self) -> list[Effect]:
        """Return the effects this handler wants applied for `self.event`."""

    def accept_event(self) -> bool:
        """Return whether to handle `self.event` at all (the runner skips the handler if False)."""
        return True
