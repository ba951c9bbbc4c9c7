"""`canvas_sdk.v1.data.practicelocation`: PracticeLocation."""

from frontdesk.clinic.models import PracticeLocation

__all__ = ["PracticeLocation"]
