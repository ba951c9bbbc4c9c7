"""`canvas_sdk.v1.data.staff`: Staff and their roles (`staff.roles`)."""

from frontdesk.clinic.models import Staff, StaffRole

__all__ = ["Staff", "StaffRole"]
