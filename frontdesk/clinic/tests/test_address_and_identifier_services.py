"""A patient's addresses, the identifiers other systems gave a record, a staff member's contact
points and practice locations: validated, audited, announced with Canvas's events, and guarded by
database constraints as well as by the services."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from frontdesk.audit.services import Actor
from frontdesk.clinic.models import (
    PatientAddress,
    PatientExternalIdentifier,
    Staff,
    StaffAddress,
    StaffContactPoint,
)
from frontdesk.clinic.services import (
    delete_patient_address,
    delete_staff_address,
    save_patient_address,
    save_staff_address,
    save_staff_contact_point,
    set_external_identifiers,
    set_staff_practice_locations,
)
from frontdesk.clinic.tests.readers import audit, events

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(dana: Any) -> Actor:
    return Actor.for_user(dana)


@pytest.fixture
def home(alice: Any, actor: Actor) -> PatientAddress:
    return save_patient_address(
        actor=actor, address=PatientAddress(patient=alice, line1="12 Elm St", city="Boston", state_code="MA")
    )


def test_it_saves_an_address_audited_and_announced(alice: Any, home: PatientAddress) -> None:
    assert alice.addresses.get() == home
    assert [e.context for e in events("PATIENT_ADDRESS_CREATED")] == [{"patient": {"id": alice.id}}]
    assert [e.patient_key for e in audit("address.created")] == [alice.id]


def test_it_keeps_a_deleted_address_marked_deleted(home: PatientAddress, actor: Actor) -> None:
    delete_patient_address(actor=actor, address=home)

    home.refresh_from_db()
    assert home.state == "deleted"
    assert len(events("PATIENT_ADDRESS_DELETED")) == 1


def test_it_refuses_an_empty_address(alice: Any, actor: Actor) -> None:
    with pytest.raises(ValidationError):
        save_patient_address(actor=actor, address=PatientAddress(patient=alice, use="home"))

    assert not PatientAddress.objects.exists()
    assert not events("PATIENT_ADDRESS_CREATED")


@pytest.mark.parametrize(
    "fields",
    [
        {"line1": "", "city": "", "postal_code": ""},
        {"latitude": 91.0, "longitude": 0.0},
        {"use": "billing"},
        {"state": "archived"},
    ],
)
def test_the_database_refuses_an_address_the_services_would(alice: Any, fields: dict[str, Any]) -> None:
    address = PatientAddress(patient=alice, **{"line1": "1 Main St", **fields})

    with pytest.raises(IntegrityError), transaction.atomic():
        address.save()


def test_it_adds_identifiers_once_and_reports_whether_anything_changed(alice: Any, actor: Actor) -> None:
    wanted = [("https://ehr.example.org/mrn", "A-1", "usual", "MR"), ("urn:source", "42", "", "")]

    assert set_external_identifiers(actor=actor, owner=alice, identifiers=wanted) is True
    assert set_external_identifiers(actor=actor, owner=alice, identifiers=wanted) is False

    assert sorted(alice.external_identifiers.values_list("system", "value", "identifier_type")) == [
        ("https://ehr.example.org/mrn", "A-1", "MR"),
        ("urn:source", "42", ""),
    ]
    assert len(events("PATIENT_EXTERNAL_IDENTIFIER_CREATED")) == 2
    assert len(audit("external_identifier.created")) == 1  # one entry for the batch


def test_it_refuses_an_identifier_another_patient_has(alice: Any, charlie: Any, actor: Actor) -> None:
    set_external_identifiers(actor=actor, owner=alice, identifiers=[("urn:source", "42", "", "")])

    with pytest.raises(ValidationError, match="already identifies another patient"):
        set_external_identifiers(actor=actor, owner=charlie, identifiers=[("urn:source", "42", "", "")])

    assert not charlie.external_identifiers.exists()


def test_the_database_refuses_a_duplicate_identifier(alice: Any, charlie: Any) -> None:
    PatientExternalIdentifier.objects.create(patient=alice, system="urn:source", value="42")

    with pytest.raises(IntegrityError), transaction.atomic():
        PatientExternalIdentifier.objects.create(patient=charlie, system="urn:source", value="42")


def test_it_normalises_a_staff_contact_point(dr_patel: Staff, actor: Actor) -> None:
    point = save_staff_contact_point(
        actor=actor, contact_point=StaffContactPoint(staff=dr_patel, system="phone", value="(617) 555-0100")
    )

    assert point.value == "+16175550100"
    assert audit("staff_contact_point.created")[0].target_id == str(point.id)


def test_it_refuses_a_staff_email_that_is_not_one(dr_patel: Staff, actor: Actor) -> None:
    with pytest.raises(ValidationError):
        save_staff_contact_point(
            actor=actor, contact_point=StaffContactPoint(staff=dr_patel, system="email", value="nope")
        )


def test_it_sets_practice_locations_announcing_only_a_change(dr_patel: Staff, boston: Any, actor: Actor) -> None:
    before = len(events("STAFF_UPDATED"))

    set_staff_practice_locations(actor=actor, staff=dr_patel, locations=[boston])
    set_staff_practice_locations(actor=actor, staff=dr_patel, locations=[boston])

    assert list(dr_patel.practice_locations.all()) == [boston]
    assert len(events("STAFF_UPDATED")) == before + 1
    assert len(audit("staff.locations_changed")) == 1


def test_the_database_refuses_an_implausible_staff_birth_date(dr_patel: Staff) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Staff.objects.filter(pk=dr_patel.pk).update(birth_date="1700-01-01")


def test_it_saves_and_deletes_a_staff_address_audited(dr_patel: Staff, actor: Actor) -> None:
    address = save_staff_address(
        actor=actor, address=StaffAddress(staff=dr_patel, use="work", line1="1 Harbor St", city="Boston")
    )
    delete_staff_address(actor=actor, address=address)

    address.refresh_from_db()
    assert address.state == "deleted"
    assert [e.action for e in audit() if e.target_id == str(address.id)] == [
        "staff_address.created",
        "staff_address.deleted",
    ]


def test_the_database_refuses_an_empty_staff_address(dr_patel: Staff) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffAddress.objects.create(staff=dr_patel, use="work")
