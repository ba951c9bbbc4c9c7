"""The event a handler receives (`canvas_sdk.events.base`): type, name, context, target, actor, source.

Built by the host from an `EventRequest` (or `Event.from_parts`). `context` is always a dict,
`target` resolves lazily to the frontdesk model instance it names, and `actor` to the CanvasUser
who caused the event. Models are imported on first use, so importing this module needs no
configured Django.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from frontdesk.sdk.events.event_type import EventType


@dataclass
class EventRequest:
    """The wire form of an event (Canvas's `events.proto` EventRequest): all strings but `type`."""

    type: int = 0
    target: str = ""
    context: str = ""
    target_type: str = ""
    actor: str = ""
    source: str = ""


@dataclass
class EventResponse:
    """What the runner answers for one event: always success, with the effects of every handler."""

    success: bool = True
    effects: list[Any] = field(default_factory=list)


@dataclass
class TargetType:
    """What the event is about: `id` (a string) and `type` (the model class, or None)."""

    id: str
    type: Any = None

    @cached_property
    def instance(self) -> Any:
        """Return the target's model instance, or None (no type, no such row, or a malformed id)."""
        if self.type is None:
            return None
        # Models without a Canvas `id` (CanvasUser, codings) are named by their dbid.
        field = "id" if any(f.name == "id" for f in self.type._meta.get_fields()) else "pk"
        return _first(self.type._default_manager.filter, **{field: self.id})


@dataclass
class Actor:
    """Who caused the event: `id` is a CanvasUser dbid as a string, or None."""

    id: str | None = None

    @cached_property
    def instance(self) -> Any:
        """Return the CanvasUser whose dbid is `id`, or None."""
        if not self.id:
            return None
        from frontdesk.sdk.v1.data.user import CanvasUser

        return _first(CanvasUser.objects.filter, dbid=self.id)


def _first(filter_: Any, **lookup: Any) -> Any:
    from django.core.exceptions import ValidationError

    try:
        return filter_(**lookup).first()
    except (ValueError, TypeError, ValidationError):
        # A malformed id ("not-a-uuid") names no row; Django would raise while building the query.
        return None


def _parse_context(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    if not raw or not isinstance(raw, str | bytes):
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


class Event:
    """One event as handlers see it (Canvas's `canvas_sdk.events.base.Event`)."""

    def __init__(self, event_request: EventRequest) -> None:
        self.type: int = event_request.type
        try:
            self.name: str = EventType.Name(event_request.type)
        except ValueError:
            self.name = f"UNKNOWN_EVENT_{event_request.type}"
        self.context: dict[str, Any] = _parse_context(event_request.context)
        self.target = TargetType(id=event_request.target, type=_model_named(event_request.target_type))
        self.actor = Actor(id=event_request.actor or None)
        self.source: str = event_request.source

    def __repr__(self) -> str:
        return f"<Event {self.name} target={self.target.id!r}>"

    @classmethod
    def from_parts(
        cls,
        *,
        type: int | str,
        target: str,
        target_type: str | None,
        context: dict[str, Any] | str | None,
        actor: str | None,
        source: str = "",
    ) -> Event:
        """Return the event for these parts, as the host knows them.

        `type` is an EventType number or name (ValueError for an unknown name); `target_type` is a
        Canvas model name ("Patient", "Appointment", ...); a dict `context` must be JSON-serialisable
        (TypeError otherwise) and is copied through JSON, so handlers never share it with the host.
        """
        number = EventType.coerce(type)
        raw_context = json.dumps(context) if isinstance(context, dict) else (context or "")
        request = EventRequest(
            type=number,
            target=str(target or ""),
            context=raw_context,
            target_type=target_type or "",
            actor=str(actor) if actor is not None else "",
            source=source,
        )
        return cls(request)


def _model_named(name: str) -> Any:
    """Return the frontdesk model for a Canvas model name (case-insensitive, like apps.get_model)."""
    if not name:
        return None
    from frontdesk.sdk.v1.data import MODELS_BY_NAME

    wanted = name.lower()
    return next((model for key, model in MODELS_BY_NAME.items() if key.lower() == wanted), None)


__all__ = ["Event", "TargetType"]
