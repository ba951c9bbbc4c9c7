"""`canvas_sdk.v1.data.appointment`: Appointment and AppointmentProgressStatus."""

from frontdesk.scheduling.models import Appointment, AppointmentProgressStatus

__all__ = ["Appointment", "AppointmentProgressStatus"]
