"""A patient's care team: memberships are audited and announced with CARE_TEAM_MEMBERSHIP_*,
and a patient has at most one active lead."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from frontdesk.audit.services import Actor
from frontdesk.clinic import access
from frontdesk.clinic.models import CareTeamMembership, CareTeamMembershipStatus, Staff
from frontdesk.clinic.services import delete_care_team_membership, save_care_team_membership, save_staff
from frontdesk.clinic.tests.readers import audit, events
from frontdesk.events.models import OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(dana: Any) -> Actor:
    return Actor.for_user(dana)


@pytest.fixture
def nurse(actor: Actor) -> Staff:
    return save_staff(actor=actor, staff=Staff(first_name="Priya", last_name="Nair"))


def add(actor: Actor, patient: Any, staff: Staff, **fields: Any) -> CareTeamMembership:
    return save_care_team_membership(actor=actor, membership=CareTeamMembership(patient=patient, staff=staff, **fields))


def test_it_adds_a_member_and_emits_care_team_membership_created(actor: Actor, alice: Any, dr_patel: Staff) -> None:
    OutboxEvent.objects.all().delete()

    membership = add(actor, alice, dr_patel, role_display="Primary care physician", lead=True)

    [event] = events()
    assert event.name == "CARE_TEAM_MEMBERSHIP_CREATED"
    assert event.target_id == str(membership.id)
    assert event.target_type == "CareTeamMembership"
    assert event.context == {"patient": {"id": alice.id}}
    [entry] = audit("care_team.created")
    assert entry.patient_key == alice.id
    assert [m.staff for m in access.care_team(alice)] == [dr_patel]


def test_it_emits_updated_and_deleted(actor: Actor, alice: Any, dr_patel: Staff) -> None:
    membership = add(actor, alice, dr_patel, role_display="PCP")
    membership_id = membership.id
    OutboxEvent.objects.all().delete()

    membership.status = CareTeamMembershipStatus.INACTIVE
    save_care_team_membership(actor=actor, membership=membership, changed=["status"])
    delete_care_team_membership(actor=actor, membership=membership)

    assert [(e.name, e.target_id, e.context) for e in events()] == [
        ("CARE_TEAM_MEMBERSHIP_UPDATED", str(membership_id), {"patient": {"id": alice.id}}),
        ("CARE_TEAM_MEMBERSHIP_DELETED", str(membership_id), {"patient": {"id": alice.id}}),
    ]
    assert not CareTeamMembership.objects.exists()
    [entry] = audit("care_team.deleted")
    assert (entry.patient_key, entry.target_id) == (alice.id, str(membership_id))


def test_it_refuses_a_second_active_lead_and_saves_nothing(
    actor: Actor, alice: Any, dr_patel: Staff, nurse: Staff
) -> None:
    add(actor, alice, dr_patel, role_display="PCP", lead=True)
    OutboxEvent.objects.all().delete()

    with pytest.raises(ValidationError):
        add(actor, alice, nurse, role_display="Coordinator", lead=True)

    assert CareTeamMembership.objects.count() == 1
    assert not OutboxEvent.objects.exists()
    assert not audit("care_team.created")[1:]


def test_it_allows_a_new_lead_once_the_old_one_is_inactive(
    actor: Actor, alice: Any, charlie: Any, dr_patel: Staff, nurse: Staff
) -> None:
    add(actor, alice, dr_patel, role_display="PCP", lead=True, status=CareTeamMembershipStatus.INACTIVE)
    add(actor, alice, nurse, role_display="Coordinator", lead=True)
    add(actor, charlie, dr_patel, role_display="PCP", lead=True)

    assert [m.staff for m in access.care_team(alice)] == [nurse]
