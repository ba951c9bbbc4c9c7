"""`canvas_sdk.v1.data.common`: the shared enums frontdesk has (contact point system, use, state)."""

from frontdesk.clinic.models import ContactPointState, ContactPointSystem, ContactPointUse

__all__ = ["ContactPointState", "ContactPointSystem", "ContactPointUse"]
