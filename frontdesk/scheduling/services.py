"""Writes to scheduling data. This foundation has the back-office saves; booking, cancelling and
rescheduling (with their events) arrive with the scheduling issue and go through here too."""

from __future__ import annotations

from django.db import transaction

from frontdesk.audit.services import Actor, record
from frontdesk.scheduling.models import Appointment, NoteType


@transaction.atomic
def save_note_type(*, actor: Actor, note_type: NoteType, changed: list[str] | None = None) -> NoteType:
    """Validate and save a note type. Raises ValidationError."""
    created = note_type._state.adding
    note_type.full_clean()
    note_type.save()
    record(
        actor=actor,
        action="note_type.created" if created else "note_type.updated",
        target=note_type,
        detail={"fields": sorted(changed or [])},
    )
    return note_type


@transaction.atomic
def save_appointment(*, actor: Actor, appointment: Appointment, changed: list[str] | None = None) -> Appointment:
    """Validate and save an appointment edited in the back office. Raises ValidationError."""
    created = appointment._state.adding
    appointment.full_clean()
    appointment.save()
    record(
        actor=actor,
        action="appointment.created" if created else "appointment.updated",
        patient_key=appointment.patient.id if appointment.patient else "",
        target=appointment,
        detail={"fields": sorted(changed or [])},
    )
    return appointment
