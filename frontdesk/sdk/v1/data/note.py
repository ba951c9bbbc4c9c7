"""`canvas_sdk.v1.data.note`: NoteType (appointment types) and its categories; frontdesk has no Note."""

from frontdesk.scheduling.models import NoteType
from frontdesk.scheduling.models import NoteTypeCategory as NoteTypeCategories

__all__ = ["NoteType", "NoteTypeCategories"]
