"""Appointments: saved through an audited service inside Canvas's limits (1 to 1440 minutes),
and listed to a patient as their own live, upcoming ones only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from frontdesk.audit.models import AuditEntry
from frontdesk.scheduling.access import upcoming_appointments
from frontdesk.scheduling.models import Appointment
from frontdesk.scheduling.tests.conftest import book

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_it_books_with_an_audit_entry_for_the_patient(alice: Any, dr_patel: Any, office_visit: Any) -> None:
    appointment = book(alice, NOW + timedelta(days=1), provider=dr_patel, note_type=office_visit, duration_minutes=45)

    assert appointment.end_time == NOW + timedelta(days=1, minutes=45)
    entry = AuditEntry.objects.get(action="appointment.created")
    assert (entry.patient_key, entry.target_id) == (alice.id, str(appointment.id))


@pytest.mark.parametrize("minutes", [0, 1441])
def test_it_refuses_a_length_outside_one_minute_to_one_day(
    alice: Any, dr_patel: Any, office_visit: Any, minutes: int
) -> None:
    with pytest.raises(ValidationError):
        book(alice, NOW, provider=dr_patel, note_type=office_visit, duration_minutes=minutes)

    assert not Appointment.objects.exists()
    assert not AuditEntry.objects.filter(action="appointment.created").exists()


@pytest.mark.parametrize(("minutes", "stored"), [(0, False), (1, True), (1440, True), (1441, False)])
def test_it_stores_only_lengths_within_a_day(
    alice: Any, dr_patel: Any, office_visit: Any, minutes: int, stored: bool
) -> None:
    def create() -> None:
        with transaction.atomic():
            Appointment.objects.create(patient=alice, provider=dr_patel, start_time=NOW, duration_minutes=minutes)

    if stored:
        create()
    else:
        with pytest.raises(IntegrityError):
            create()
    assert Appointment.objects.exists() is stored


def test_it_lists_a_patients_live_upcoming_appointments_soonest_first(
    alice: Any, charlie: Any, dana: Any, dr_patel: Any, office_visit: Any
) -> None:
    kw = {"provider": dr_patel, "note_type": office_visit}
    later = book(alice, NOW + timedelta(days=9), **kw)
    sooner = book(alice, NOW + timedelta(hours=2), **kw)
    book(alice, NOW - timedelta(days=1), **kw)  # past
    book(alice, NOW + timedelta(days=3), status="cancelled", **kw)
    book(alice, NOW + timedelta(days=4), entered_in_error=dana, **kw)
    charlies = book(charlie, NOW + timedelta(days=1), **kw)

    assert upcoming_appointments(alice, now=NOW) == [sooner, later]
    assert upcoming_appointments(alice, now=NOW, limit=1) == [sooner]
    assert upcoming_appointments(charlie, now=NOW) == [charlies]
    assert Appointment.objects.for_patient(alice).live().count() == 3  # the past one is live, not upcoming


def test_it_reads_upcoming_appointments_in_a_fixed_number_of_queries(
    alice: Any, dr_patel: Any, office_visit: Any, django_assert_num_queries: Any
) -> None:
    for day in range(1, 22):
        book(alice, NOW + timedelta(days=day), provider=dr_patel, note_type=office_visit)

    with django_assert_num_queries(2):  # the appointments, then every provider's roles at once
        listed = upcoming_appointments(alice, now=NOW)
        labels = [(a.provider.credentialed_name, a.note_type.name) for a in listed]

    assert len(labels) == 21
