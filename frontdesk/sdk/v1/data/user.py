"""`canvas_sdk.v1.data.user`: CanvasUser, the sign-in account of a patient or staff member."""

from frontdesk.accounts.models import CanvasUser

__all__ = ["CanvasUser"]
