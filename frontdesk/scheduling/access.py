"""Appointments for patient-facing code, always scoped to one patient (404 for anything else)."""

from __future__ import annotations

from datetime import datetime

from frontdesk.clinic.models import Patient
from frontdesk.scheduling.models import Appointment


def upcoming_appointments(patient: Patient, *, now: datetime, limit: int | None = None) -> list[Appointment]:
    """The patient's booked, not-cancelled appointments from `now` on, soonest first."""
    qs = (
        Appointment.objects.for_patient(patient)
        .upcoming(now)
        .select_related("provider", "location", "note_type")
        .prefetch_related("provider__roles")  # credentialed_name reads the provider's roles
    )
    return list(qs[:limit] if limit else qs)
