"""Appointments for patient-facing code, always scoped to one patient (404 for anything else)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404

from frontdesk.clinic.models import Patient, PracticeLocation, Staff
from frontdesk.scheduling.models import Appointment, AppointmentQuerySet, NoteType, ReasonForVisit

PAST_LIMIT = 50  # the past list shows the most recent visits; older ones are the clinic's to look up


def _shown(patient: Patient) -> AppointmentQuerySet:
    return (
        Appointment.objects.for_patient(patient)
        .select_related("patient", "provider", "location", "note_type")
        .prefetch_related("provider__roles")  # credentialed_name reads the provider's roles
    )


def upcoming_appointments(patient: Patient, *, now: datetime, limit: int | None = None) -> list[Appointment]:
    """The patient's booked, not-cancelled appointments from `now` on, soonest first."""
    qs = _shown(patient).upcoming(now)
    return list(qs[:limit] if limit else qs)


def appointment_lists(patient: Patient, *, now: datetime) -> tuple[list[Appointment], list[Appointment]]:
    """Return (upcoming, past): the patient's live appointments that have not ended yet (soonest
    first; a visit under way counts as upcoming, so its Join button stays) and the latest
    `PAST_LIMIT` that have (latest first). Four queries."""
    # A visit lasts at most a day (a database constraint), so one that started a day ago may still run.
    recent = list(_shown(patient).live().filter(start_time__gte=now - timedelta(days=1)).order_by("start_time"))
    upcoming = [a for a in recent if a.end_time > now]
    ended = [a for a in recent if a.end_time <= now]
    older = list(
        _shown(patient).live().filter(start_time__lt=now - timedelta(days=1)).order_by("-start_time")[:PAST_LIMIT]
    )
    return upcoming, (ended[::-1] + older)[:PAST_LIMIT]


def appointment(patient: Patient, appointment_id: str) -> Appointment:
    """Return the patient's own appointment (cancelled ones included, entered-in-error ones not).

    Raises Http404 for a malformed id and for anybody else's appointment.
    """
    try:
        key = uuid.UUID(str(appointment_id))
    except ValueError:
        raise Http404("No such appointment.") from None
    found = _shown(patient).filter(id=key, entered_in_error__isnull=True).first()
    if found is None:
        raise Http404("No such appointment.")
    return found


def appointment_by_key(patient: Patient, key: str) -> Appointment | None:
    """The patient's appointment booked with request key `key`, if any (a repeated booking request)."""
    return _shown(patient).filter(idempotency_key=key).first() if key else None


# --- what patients may book (not patient data, but read for the portal's booking form) -----------


def can_book_online() -> bool:
    """Is any appointment type offered for online booking?"""
    return NoteType.objects.patient_bookable().exists()


def bookable_note_types() -> list[NoteType]:
    return list(NoteType.objects.patient_bookable())


def _schedulable_staff() -> QuerySet[Staff]:
    return Staff.objects.filter(active=True, is_schedulable=True)


def bookable_providers() -> list[Staff]:
    """Active, schedulable providers, with their roles and locations loaded."""
    return list(
        _schedulable_staff()
        .select_related("primary_practice_location")
        .prefetch_related("roles", "practice_locations")
        .order_by("last_name", "first_name")
    )


def bookable_locations() -> list[PracticeLocation]:
    """Active locations where at least one schedulable provider practises."""
    staff = _schedulable_staff()
    return list(
        PracticeLocation.objects.filter(active=True)
        .filter(Q(practicing_staff__in=staff) | Q(pk__in=staff.values("primary_practice_location")))
        .distinct()
        .order_by("full_name")
    )


def practises_at(provider: Staff, location: PracticeLocation | None) -> bool:
    """Does `provider` (from `bookable_providers`) see patients at `location` (None: anywhere)?"""
    if location is None:
        return True
    return provider.primary_practice_location_id == location.pk or any(
        loc.pk == location.pk for loc in provider.practice_locations.all()
    )


def reasons_for_visit() -> list[ReasonForVisit]:
    """Active structured reasons for visit, with the note types each is limited to."""
    return list(ReasonForVisit.objects.filter(is_active=True).prefetch_related("note_types"))
