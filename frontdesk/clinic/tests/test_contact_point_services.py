"""A patient's phones and emails: normalised, validated, audited, announced with the Canvas
PATIENT_CONTACT_POINT_* events, and re-verified when the address changes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic import access
from frontdesk.clinic.models import ContactPointState, PatientContactPoint
from frontdesk.clinic.services import (
    add_contact_point,
    delete_contact_point,
    mark_contact_point_verified,
    update_contact_point,
)
from frontdesk.clinic.tests.readers import audit, events
from frontdesk.events.models import OutboxEvent

pytestmark = pytest.mark.django_db

VERIFIED_AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


@pytest.fixture
def actor(dana: Any) -> Actor:
    return Actor.for_user(dana)


@pytest.fixture
def verified_phone(alice: Any, actor: Actor) -> PatientContactPoint:
    point = add_contact_point(actor=actor, patient=alice, system="phone", value="+16175550199", use="mobile")
    point.verification_token = "digest-of-a-code"
    point.verification_attempts = 2
    point.save(update_fields=["verification_token", "verification_attempts"])
    mark_contact_point_verified(actor=actor, contact_point=point, when=VERIFIED_AT)
    OutboxEvent.objects.all().delete()
    return point


def test_it_adds_a_phone_in_e164_and_emits_contact_point_created(alice: Any, actor: Actor, dana: Any) -> None:
    point = add_contact_point(actor=actor, patient=alice, system="phone", value="(617) 555-0199", use="mobile")

    point.refresh_from_db()
    assert point.value == "+16175550199"
    assert point.state == ContactPointState.ACTIVE
    [event] = events("PATIENT_CONTACT_POINT_CREATED")
    assert event.target_id == str(point.id)
    assert event.target_type == "PatientContactPoint"
    assert event.context == {"patient": {"id": alice.id}}
    assert event.actor_id == str(dana.dbid)
    [entry] = audit("contact_point.created")
    assert entry.patient_key == alice.id
    assert (entry.target_type, entry.target_id) == ("PatientContactPoint", str(point.id))
    assert entry.detail["system"] == "phone"
    assert entry.actor_user_dbid == dana.dbid


def test_it_stores_emails_in_lower_case(alice: Any, actor: Actor) -> None:
    point = add_contact_point(actor=actor, patient=alice, system="email", value="  Alice.Work@Example.COM ")

    point.refresh_from_db()
    assert point.value == "alice.work@example.com"


@pytest.mark.parametrize(
    ("system", "value"),
    [
        ("phone", "123"),
        ("phone", "call me maybe"),
        ("phone", ""),
        ("fax", "+1 555"),
        ("email", "not-an-email"),
        ("email", "alice@"),
        ("email", ""),
        ("other", "   "),
    ],
)
def test_it_refuses_a_bad_value_and_saves_nothing(alice: Any, actor: Actor, system: str, value: str) -> None:
    before = (PatientContactPoint.objects.count(), OutboxEvent.objects.count(), AuditEntry.objects.count())

    with pytest.raises(ValidationError) as exc:
        add_contact_point(actor=actor, patient=alice, system=system, value=value)

    assert list(exc.value.message_dict) == ["value"]
    assert (PatientContactPoint.objects.count(), OutboxEvent.objects.count(), AuditEntry.objects.count()) == before


def test_it_refuses_a_system_canvas_does_not_know(alice: Any, actor: Actor) -> None:
    with pytest.raises(ValidationError) as exc:
        add_contact_point(actor=actor, patient=alice, system="pigeon", value="coop 4")

    assert "system" in exc.value.message_dict
    assert not PatientContactPoint.objects.exists()


def test_it_clears_verification_when_the_value_changes(verified_phone: PatientContactPoint, actor: Actor) -> None:
    assert verified_phone.is_verified

    update_contact_point(actor=actor, contact_point=verified_phone, value="617-555-0177")

    verified_phone.refresh_from_db()
    assert verified_phone.value == "+16175550177"
    assert verified_phone.last_verified is None
    assert not verified_phone.is_verified
    assert verified_phone.verification_token == ""
    assert verified_phone.verification_attempts == 0
    [event] = events()
    assert event.name == "PATIENT_CONTACT_POINT_UPDATED"
    assert event.context == {"patient": {"id": verified_phone.patient.id}}


def test_it_clears_verification_when_the_same_digits_become_a_fax(
    verified_phone: PatientContactPoint, actor: Actor
) -> None:
    update_contact_point(actor=actor, contact_point=verified_phone, system="fax")

    verified_phone.refresh_from_db()
    assert verified_phone.last_verified is None


@pytest.mark.parametrize("changes", [{"value": "(617) 555-0199"}, {"use": "home", "rank": 2}])
def test_it_keeps_verification_when_the_address_stays_the_same(
    verified_phone: PatientContactPoint, actor: Actor, changes: dict[str, Any]
) -> None:
    update_contact_point(actor=actor, contact_point=verified_phone, **changes)

    verified_phone.refresh_from_db()
    assert verified_phone.last_verified == VERIFIED_AT
    [entry] = audit("contact_point.updated")[-1:]
    assert entry.detail["fields"] == sorted(changes)


def test_it_refuses_a_bad_edit_and_keeps_the_old_value_verified(
    verified_phone: PatientContactPoint, actor: Actor
) -> None:
    with pytest.raises(ValidationError):
        update_contact_point(actor=actor, contact_point=verified_phone, value="nonsense")

    verified_phone.refresh_from_db()
    assert verified_phone.value == "+16175550199"
    assert verified_phone.last_verified == VERIFIED_AT
    assert not OutboxEvent.objects.exists()


def test_it_marks_a_contact_point_verified_and_emits_updated(alice: Any, actor: Actor) -> None:
    point = add_contact_point(actor=actor, patient=alice, system="email", value="alice@example.com")
    OutboxEvent.objects.all().delete()

    mark_contact_point_verified(actor=actor, contact_point=point, when=VERIFIED_AT)

    point.refresh_from_db()
    assert point.last_verified == VERIFIED_AT
    [event] = events()
    assert (event.name, event.target_id) == ("PATIENT_CONTACT_POINT_UPDATED", str(point.id))
    assert audit("contact_point.verified")[0].patient_key == alice.id


def test_it_keeps_a_deleted_contact_point_for_the_record_and_emits_deleted(
    verified_phone: PatientContactPoint, actor: Actor, alice: Any
) -> None:
    delete_contact_point(actor=actor, contact_point=verified_phone)

    verified_phone.refresh_from_db()
    assert verified_phone.state == ContactPointState.DELETED
    [event] = events()
    assert event.name == "PATIENT_CONTACT_POINT_DELETED"
    assert event.target_id == str(verified_phone.id)
    assert event.target_type == "PatientContactPoint"
    assert event.context == {"patient": {"id": alice.id}}
    assert audit("contact_point.deleted")[0].patient_key == alice.id
    assert verified_phone not in access.contact_points(alice)
    assert alice.primary_phone_number is None
