"""Staff and locations: validated (NPI, IANA time zones), audited, and for staff announced with
STAFF_CREATED / STAFF_UPDATED / STAFF_ACTIVATED / STAFF_DEACTIVATED."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import PracticeLocation, Staff
from frontdesk.clinic.services import save_location, save_staff
from frontdesk.clinic.tests.readers import audit, events
from frontdesk.events.models import OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(dana: Any) -> Actor:
    return Actor.for_user(dana)


def test_it_creates_staff_with_a_32_char_key_and_emits_staff_created(actor: Actor, boston: Any) -> None:
    OutboxEvent.objects.all().delete()

    staff = save_staff(
        actor=actor,
        staff=Staff(first_name="Jordan", last_name="Lee", npi_number="1689705142", primary_practice_location=boston),
        changed=["first_name", "last_name"],
    )

    assert isinstance(staff.dbid, int)
    assert len(staff.id) == 32
    [event] = events()
    assert (event.name, event.target_id, event.target_type, event.context) == ("STAFF_CREATED", staff.id, "Staff", {})
    [entry] = audit("staff.created")
    assert entry.patient_key == ""
    assert (entry.target_type, entry.target_id) == ("Staff", staff.id)


def test_it_emits_staff_updated_only_when_active_does_not_change(actor: Actor, dr_patel: Staff) -> None:
    OutboxEvent.objects.all().delete()
    dr_patel.nickname = "Maya"

    save_staff(actor=actor, staff=dr_patel, changed=["nickname"])

    assert [e.name for e in events()] == ["STAFF_UPDATED"]
    assert audit("staff.updated")[0].detail == {"fields": ["nickname"]}


def test_it_emits_deactivated_then_activated_as_staff_leave_and_return(actor: Actor, dr_patel: Staff) -> None:
    OutboxEvent.objects.all().delete()

    dr_patel.active = False
    save_staff(actor=actor, staff=dr_patel, changed=["active"])
    dr_patel.active = True
    save_staff(actor=actor, staff=dr_patel, changed=["active"])

    assert [(e.name, e.target_id) for e in events()] == [
        ("STAFF_UPDATED", dr_patel.id),
        ("STAFF_DEACTIVATED", dr_patel.id),
        ("STAFF_UPDATED", dr_patel.id),
        ("STAFF_ACTIVATED", dr_patel.id),
    ]


@pytest.mark.parametrize("npi", ["123", "12345678901", "12345abcde", "1467 58392"])
def test_it_refuses_an_npi_that_is_not_ten_digits(actor: Actor, npi: str) -> None:
    with pytest.raises(ValidationError) as exc:
        save_staff(actor=actor, staff=Staff(first_name="No", last_name="Npi", npi_number=npi))

    assert "npi_number" in exc.value.message_dict
    assert not Staff.objects.exists()
    assert not OutboxEvent.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="staff.").exists()


def test_it_accepts_staff_without_an_npi(actor: Actor) -> None:
    staff = save_staff(actor=actor, staff=Staff(first_name="Priya", last_name="Nair"))

    assert staff.npi_number == ""


def test_it_refuses_a_staff_time_zone_that_is_not_iana(actor: Actor) -> None:
    with pytest.raises(ValidationError) as exc:
        save_staff(actor=actor, staff=Staff(first_name="T", last_name="Z", last_known_timezone="EST5EDT-ish"))

    assert "last_known_timezone" in exc.value.message_dict
    assert not Staff.objects.exists()


def test_it_names_staff_the_way_canvas_does(dr_patel: Staff) -> None:
    assert dr_patel.full_name == "Maya Patel"
    assert dr_patel.credentialed_name == "Dr. Maya Patel, MD"
    assert dr_patel.top_clinical_role is not None
    assert dr_patel.top_clinical_role.code == "MD"


def test_it_saves_a_location_with_an_audit_entry_and_no_event(actor: Actor) -> None:
    location = save_location(
        actor=actor, location=PracticeLocation(full_name="Pine Clinic", time_zone="America/Denver"), changed=["x"]
    )

    [entry] = audit("location.created")
    assert (entry.target_type, entry.target_id) == ("PracticeLocation", str(location.id))
    assert not OutboxEvent.objects.exists()


@pytest.mark.parametrize("zone", ["", "Mountain Time", "America/Gotham", "UTC+7"])
def test_it_refuses_a_location_without_an_iana_time_zone(actor: Actor, zone: str) -> None:
    with pytest.raises(ValidationError) as exc:
        save_location(actor=actor, location=PracticeLocation(full_name="Nowhere", time_zone=zone))

    assert "time_zone" in exc.value.message_dict
    assert not PracticeLocation.objects.exists()
    assert not AuditEntry.objects.exists()
