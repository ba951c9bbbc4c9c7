"""Patient read and search (reference §1.7): the MRN identifier, gender from sex at birth, active
contact points only, the name/birthdate/identifier/email/phone filters, and an audit entry for
every patient returned."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import ContactPointState, Patient
from frontdesk.clinic.services import add_contact_point, delete_contact_point, update_patient
from frontdesk.fhir.services import NewClient
from frontdesk.fhir.tests.conftest import api_client, parse

ACTOR = Actor.system("tests")


def ids(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def views(patient: Patient) -> list[dict[str, Any]]:
    return list(
        AuditEntry.objects.filter(action="chart.viewed", patient_key=patient.id).values(
            "actor_label", "target_type", "target_id", "detail"
        )
    )


@pytest.fixture
def alice_in_full(alice: Patient) -> Patient:
    """Alice with a nickname, a sex, an email, a mobile phone and a deleted old phone."""
    update_patient(actor=ACTOR, patient=alice, middle_name="B", nickname="Ally", sex_at_birth="F")
    add_contact_point(actor=ACTOR, patient=alice, system="email", value="alice@example.com", use="home")
    add_contact_point(actor=ACTOR, patient=alice, system="phone", value="6175550123", use="mobile")
    old = add_contact_point(actor=ACTOR, patient=alice, system="phone", value="6175550999", use="home", rank=2)
    delete_contact_point(actor=ACTOR, contact_point=old)
    return alice


def test_it_reads_a_patient_by_key(
    api: Client, alice_in_full: Patient, oauth_client: NewClient, django_assert_max_num_queries: Any
) -> None:
    alice = alice_in_full
    # token, patient, its contact points, addresses and identifiers, the audit: the patient and one entry
    with django_assert_max_num_queries(7):
        response = api.get(f"/fhir/Patient/{alice.id}")

    assert response.status_code == 200
    body = parse(response)
    assert body["id"] == alice.id
    assert body["identifier"][0]["system"] == "http://canvasmedical.com"
    assert body["identifier"][0]["value"] == alice.mrn
    assert body["name"] == [
        {"use": "official", "text": "Alice B Adams", "family": "Adams", "given": ["Alice", "B"]},
        {"use": "nickname", "given": ["Ally"]},
    ]
    assert body["gender"] == "female"
    assert body["birthDate"] == "1990-05-01"
    assert body["active"] is True
    assert body["extension"][0]["valueCode"] == "F"
    assert [(t["system"], t["value"], t.get("use")) for t in body["telecom"]] == [
        ("email", "alice@example.com", "home"),
        ("phone", alice.primary_phone_number.value, "mobile"),  # type: ignore[union-attr]
    ]
    assert views(alice) == [
        {
            "actor_label": f"system:oauth-client:{oauth_client.client.client_id}",
            "target_type": "Patient",
            "target_id": alice.id,
            "detail": {"what": "fhir Patient"},
        }
    ]


@pytest.mark.parametrize(("sex", "gender"), [("M", "male"), ("O", "other"), ("UNK", "unknown")])
def test_it_maps_sex_at_birth_to_gender(api: Client, alice: Patient, sex: str, gender: str) -> None:
    update_patient(actor=ACTOR, patient=alice, sex_at_birth=sex)

    body = parse(api.get(f"/fhir/Patient/{alice.id}"))

    assert body["gender"] == gender
    assert "telecom" not in body


def test_it_answers_404_for_an_unknown_patient_and_audits_nothing(api: Client, db: Any) -> None:
    response = api.get("/fhir/Patient/0123456789abcdef0123456789abcdef")

    assert response.status_code == 404
    assert parse(response)["issue"][0]["details"]["text"] == (
        "Unknown Patient resource '0123456789abcdef0123456789abcdef'"
    )
    assert not AuditEntry.objects.filter(action="chart.viewed").exists()


@pytest.mark.parametrize("path", ["/fhir/Patient/{id}", "/fhir/Patient"])
def test_it_refuses_a_token_without_patient_read(oauth_client: NewClient, alice: Patient, path: str) -> None:
    api = api_client(oauth_client, "system/Practitioner.read system/Patient.write")

    response = api.get(path.format(id=alice.id))

    assert response.status_code == 403
    assert parse(response)["issue"][0]["code"] == "forbidden"
    assert views(alice) == []


def test_it_allows_a_patient_read_scope(oauth_client: NewClient, alice: Patient) -> None:
    api = api_client(oauth_client, "system/Patient.read")

    assert api.get(f"/fhir/Patient/{alice.id}").status_code == 200


def test_it_searches_patients_and_audits_each_one_returned(
    api: Client, alice_in_full: Patient, charlie: Patient, django_assert_max_num_queries: Any
) -> None:
    # token, count, page, contact points, addresses, identifiers, the audit: the patients and one entry each
    with django_assert_max_num_queries(9):
        response = api.get("/fhir/Patient")

    bundle = parse(response)
    assert bundle["total"] == 2
    assert ids(bundle) == [alice_in_full.id, charlie.id]
    assert bundle["entry"][0]["fullUrl"] == f"http://testserver/fhir/Patient/{alice_in_full.id}"
    assert len(views(alice_in_full)) == len(views(charlie)) == 1


def test_it_audits_only_the_page_returned(api: Client, alice: Patient, charlie: Patient) -> None:
    bundle = parse(api.get("/fhir/Patient?_count=1&_offset=1"))

    assert ids(bundle) == [charlie.id]
    assert (len(views(alice)), len(views(charlie))) == (0, 1)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("_id={alice}", ["alice"]),
        ("_id={alice},{charlie}", ["alice", "charlie"]),
        ("name=ally", ["alice"]),
        ("name=chen", ["charlie"]),
        ("family=Adams", ["alice"]),
        ("given=charl", ["charlie"]),
        ("given=alice&family=chen", []),
        ("birthdate=1990-05-01", ["alice"]),
        ("birthDate=ge1986-01-01", ["alice"]),
        ("birthdate=lt1986-01-01", ["charlie"]),
        ("birthdate=ne1990-05-01", ["charlie"]),
        ("identifier={alice_mrn}", ["alice"]),
        ("identifier=http://canvasmedical.com|{charlie_mrn}", ["charlie"]),
        ("identifier=|{charlie_mrn}", ["charlie"]),
        ("identifier=http://other.example|{charlie_mrn}", []),
        ("email=Alice@Example.com", ["alice"]),
        ("phone=6175550123", ["alice"]),
        ("phone=6175550999", []),  # deleted contact points do not match
        ("phone=not-a-phone", []),
        ("gender=female", ["alice"]),
        ("active=false", []),
    ],
)
def test_it_filters_by_search_parameters(
    api: Client, alice_in_full: Patient, charlie: Patient, query: str, expected: list[str]
) -> None:
    people = {"alice": alice_in_full, "charlie": charlie}
    query = query.format(
        alice=alice_in_full.id, charlie=charlie.id, alice_mrn=alice_in_full.mrn, charlie_mrn=charlie.mrn
    )

    assert ids(parse(api.get(f"/fhir/Patient?{query}"))) == [people[name].id for name in expected]


def test_it_does_not_match_a_deleted_email(api: Client, alice_in_full: Patient) -> None:
    point = alice_in_full.telecom.get(system="email")
    delete_contact_point(actor=ACTOR, contact_point=point)
    assert alice_in_full.telecom.get(system="email").state == ContactPointState.DELETED

    assert ids(parse(api.get("/fhir/Patient?email=alice@example.com"))) == []


@pytest.mark.parametrize(
    ("query", "named"),
    [("birthdate=May 1990", "birthdate"), ("gender=f", "gender"), ("name=", "name")],
)
def test_it_answers_400_naming_a_bad_parameter(api: Client, db: Any, query: str, named: str) -> None:
    response = api.get(f"/fhir/Patient?{query}")

    assert response.status_code == 400
    assert named in parse(response)["issue"][0]["diagnostics"]
