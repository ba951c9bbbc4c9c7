"""`canvas_sdk.events`: the event classes and `EventType` plugins route on."""

from frontdesk.sdk.events.base import Event, EventRequest, EventResponse
from frontdesk.sdk.events.event_type import EventType

__all__ = ["Event", "EventRequest", "EventResponse", "EventType"]
