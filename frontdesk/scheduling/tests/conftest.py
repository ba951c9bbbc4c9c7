"""Scheduling fixtures: a bookable office visit and a helper that books through the service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from frontdesk.audit.services import Actor
from frontdesk.clinic.models import PracticeLocation, Staff, StaffRole
from frontdesk.clinic.services import save_location, save_staff
from frontdesk.scheduling.models import Appointment, NoteType
from frontdesk.scheduling.services import save_appointment, save_note_type


@pytest.fixture
def boston(db: Any) -> PracticeLocation:
    return save_location(
        actor=Actor.system("tests"),
        location=PracticeLocation(full_name="Harbor Clinic", short_name="Boston", time_zone="America/New_York"),
    )


@pytest.fixture
def dr_patel(boston: PracticeLocation) -> Staff:
    staff = save_staff(
        actor=Actor.system("tests"),
        staff=Staff(first_name="Maya", last_name="Patel", prefix="Dr.", is_schedulable=True),
    )
    StaffRole.objects.create(staff=staff, role_type=StaffRole.RoleType.CLINICAL, code="MD", name="Physician")
    return staff


@pytest.fixture
def office_visit(db: Any) -> NoteType:
    return save_note_type(
        actor=Actor.system("tests"),
        note_type=NoteType(
            name="Office Visit", is_scheduleable=True, is_scheduleable_via_patient_portal=True, online_duration=30
        ),
    )


def book(patient: Any, start: datetime, *, provider: Staff, note_type: NoteType, **fields: Any) -> Appointment:
    fields.setdefault("duration_minutes", 30)
    return save_appointment(
        actor=Actor.system("tests"),
        appointment=Appointment(patient=patient, provider=provider, note_type=note_type, start_time=start, **fields),
    )
