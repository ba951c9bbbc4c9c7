"""Patient search by nickname and by care team member (Canvas's `_has:CareTeam:participant:member`)."""

from __future__ import annotations

import pytest
from django.test import Client

from frontdesk.audit.services import Actor
from frontdesk.clinic.models import CareTeamMembership, CareTeamMembershipStatus, Patient, Staff
from frontdesk.clinic.services import save_care_team_membership, update_patient
from frontdesk.fhir.tests.conftest import parse

HAS = "_has:CareTeam:participant:member"


def ids(api: Client, query: str) -> list[str]:
    response = api.get(f"/fhir/Patient?{query}")
    assert response.status_code == 200, response.content
    return [e["resource"]["id"] for e in parse(response).get("entry", [])]


def member(patient: Patient, staff: Staff, status: str = CareTeamMembershipStatus.ACTIVE) -> None:
    save_care_team_membership(
        actor=Actor.system("tests"),
        membership=CareTeamMembership(patient=patient, staff=staff, status=status, role_code="17561000"),
    )


@pytest.fixture
def teams(alice: Patient, charlie: Patient, dr_patel: Staff, nurse_lee: Staff) -> None:
    member(alice, dr_patel)
    member(charlie, nurse_lee)
    member(charlie, dr_patel, CareTeamMembershipStatus.INACTIVE)


def test_it_finds_the_patients_whose_active_care_team_includes_a_practitioner(
    api: Client, teams: None, alice: Patient, charlie: Patient, dr_patel: Staff, nurse_lee: Staff
) -> None:
    assert ids(api, f"{HAS}=Practitioner/{dr_patel.id}") == [alice.id]  # Charlie's membership is inactive
    assert ids(api, f"{HAS}={nurse_lee.id}") == [charlie.id]
    assert sorted(ids(api, f"{HAS}=Practitioner/{dr_patel.id},Practitioner/{nurse_lee.id}")) == sorted(
        [alice.id, charlie.id]
    )
    assert ids(api, f"{HAS}=Practitioner/{dr_patel.id}&{HAS}=Practitioner/{nurse_lee.id}") == []  # repeats AND


def test_it_refuses_a_member_that_is_not_a_practitioner(api: Client, teams: None) -> None:
    response = api.get(f"/fhir/Patient?{HAS}=Patient/abc")
    assert response.status_code == 400
    assert HAS in parse(response)["issue"][0]["diagnostics"]


def test_it_searches_by_nickname(api: Client, alice: Patient, charlie: Patient) -> None:
    update_patient(actor=Actor.system("tests"), patient=alice, nickname="Ali")
    assert ids(api, "nickname=ali") == [alice.id]
    assert ids(api, "nickname=Chuck") == []
