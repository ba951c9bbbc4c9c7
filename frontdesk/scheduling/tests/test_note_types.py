"""Note types (appointment types): saved through an audited service; only active, scheduleable,
portal-enabled types with an online duration are offered to patients."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.scheduling.models import NoteType
from frontdesk.scheduling.services import save_note_type

pytestmark = pytest.mark.django_db


def make(name: str, **fields: Any) -> NoteType:
    return save_note_type(actor=Actor.system("tests"), note_type=NoteType(name=name, **fields), changed=sorted(fields))


def test_it_saves_a_note_type_with_an_audit_entry(dana: Any) -> None:
    note_type = save_note_type(
        actor=Actor.for_user(dana), note_type=NoteType(name="Telehealth Visit", is_telehealth=True), changed=["name"]
    )

    entry = AuditEntry.objects.get(action="note_type.created")
    assert (entry.actor_user_dbid, entry.target_id, entry.detail) == (
        dana.dbid,
        str(note_type.id),
        {"fields": ["name"]},
    )


def test_it_refuses_portal_booking_for_a_type_staff_cannot_schedule() -> None:
    with pytest.raises(ValidationError):
        make("Broken", is_scheduleable=False, is_scheduleable_via_patient_portal=True)

    assert not NoteType.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_stores_no_portal_type_that_staff_cannot_schedule_even_past_the_service() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        NoteType.objects.create(name="Raw", is_scheduleable=False, is_scheduleable_via_patient_portal=True)


def test_it_offers_patients_only_bookable_types() -> None:
    bookable = make("Office Visit", is_scheduleable=True, is_scheduleable_via_patient_portal=True, online_duration=30)
    make("Staff only", is_scheduleable=True, online_duration=30)
    make("No online length", is_scheduleable=True, is_scheduleable_via_patient_portal=True, online_duration=0)
    make("Retired", is_scheduleable=True, is_scheduleable_via_patient_portal=True, online_duration=30, is_active=False)
    make("Letter", category="letter")

    assert list(NoteType.objects.patient_bookable()) == [bookable]
    assert {n.name for n in NoteType.objects.scheduleable()} == {
        "Office Visit",
        "Staff only",
        "No online length",
    }
