"""Patient create and update (reference §1.7): Canvas's required elements, 201 with the id in
Location, telecom/address/identifier in their own tables through the clinic services (audit and
events), omitted telecom and address deleted on update, and nothing written on a bad body."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from frontdesk.audit.models import AuditEntry
from frontdesk.clinic.models import ContactPointState, Patient, PatientAddress
from frontdesk.events.models import OutboxEvent
from frontdesk.fhir.services import NewClient
from frontdesk.fhir.tests.conftest import api_client, parse

BIRTH_SEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"


def dana_body(**changes: Any) -> dict[str, Any]:
    """A new patient, Dana Diaz, as a Canvas client would send her."""
    body: dict[str, Any] = {
        "resourceType": "Patient",
        "extension": [{"url": BIRTH_SEX, "valueCode": "F"}],
        "identifier": [
            {"system": "http://canvasmedical.com", "value": "MRN-0042"},
            {"system": "https://ehr.example.org/patients", "value": "E-77", "use": "secondary"},
        ],
        "name": [{"use": "official", "family": "Diaz", "given": ["Dana", "Maria"], "prefix": ["Ms."]}],
        "telecom": [
            {"system": "phone", "value": "617-555-0144", "use": "mobile", "rank": 1},
            {"system": "email", "value": "Dana@Example.com", "use": "home", "rank": 1},
        ],
        "gender": "female",
        "birthDate": "1991-07-14",
        "address": [
            {
                "use": "home",
                "type": "both",
                "line": ["12 Elm St", "Apt 3"],
                "city": "Boston",
                "state": "MA",
                "postalCode": "02118",
                "country": "US",
            }
        ],
    }
    body.update(changes)
    return body


def post(api: Client, body: dict[str, Any], **headers: str) -> Any:
    return api.post("/fhir/Patient", json.dumps(body), content_type="application/fhir+json", headers=headers)


def put(api: Client, patient_id: str, body: dict[str, Any], **headers: str) -> Any:
    return api.put(
        f"/fhir/Patient/{patient_id}", json.dumps(body), content_type="application/fhir+json", headers=headers
    )


def events(patient: Patient) -> list[str]:
    return list(
        OutboxEvent.objects.filter(context__patient__id=patient.id).order_by("id").values_list("name", flat=True)
    )


@pytest.fixture
def dana(api: Client) -> Patient:
    response = post(api, dana_body())
    assert response.status_code == 201, response.content
    return Patient.objects.get(id=response["Location"].rsplit("/", 1)[1])


def test_it_creates_a_patient_with_an_empty_body_and_the_id_in_location(api: Client, db: Any) -> None:
    response = post(api, dana_body())

    assert response.status_code == 201
    assert response.content == b""
    patient = Patient.objects.get()
    assert response["Location"] == f"/Patient/{patient.id}"
    assert (patient.first_name, patient.middle_name, patient.last_name, patient.prefix) == (
        "Dana",
        "Maria",
        "Diaz",
        "Ms.",
    )
    assert (patient.mrn, patient.sex_at_birth, str(patient.birth_date)) == ("MRN-0042", "F", "1991-07-14")
    assert sorted(patient.telecom.values_list("system", "value", "use")) == [
        ("email", "dana@example.com", "home"),
        ("phone", "+16175550144", "mobile"),
    ]
    address = patient.addresses.get()
    assert (address.line1, address.line2, address.city, address.state_code) == ("12 Elm St", "Apt 3", "Boston", "MA")
    assert list(patient.external_identifiers.values_list("system", "value")) == [
        ("https://ehr.example.org/patients", "E-77")
    ]


def test_it_writes_through_the_clinic_services_with_the_client_as_actor(
    api: Client, oauth_client: NewClient, dana: Patient
) -> None:
    assert events(dana) == [
        "PATIENT_CONTACT_POINT_CREATED",
        "PATIENT_CONTACT_POINT_CREATED",
        "PATIENT_ADDRESS_CREATED",
        "PATIENT_EXTERNAL_IDENTIFIER_CREATED",
    ]
    assert OutboxEvent.objects.filter(name="PATIENT_CREATED", target_id=dana.id).count() == 1
    actors = set(AuditEntry.objects.filter(patient_key=dana.id).values_list("actor_label", flat=True))
    assert actors == {f"system:oauth-client:{oauth_client.client.client_id}"}


def test_it_returns_the_patient_when_asked_to(api: Client, db: Any) -> None:
    response = post(api, dana_body(), Prefer="return=representation")

    assert response.status_code == 201
    body = parse(response)
    assert body["id"] == response["Location"].rsplit("/", 1)[1]
    assert body["name"][0] == {
        "use": "official",
        "text": "Dana Maria Diaz",
        "family": "Diaz",
        "given": ["Dana", "Maria"],
        "prefix": ["Ms."],
    }
    assert [i["value"] for i in body["identifier"]] == ["MRN-0042", "E-77"]
    assert body["address"] == [
        {
            "use": "home",
            "type": "both",
            "line": ["12 Elm St", "Apt 3"],
            "city": "Boston",
            "state": "MA",
            "postalCode": "02118",
            "country": "US",
        }
    ]
    assert body["extension"] == [{"url": BIRTH_SEX, "valueCode": "F"}]


def _without_official_name() -> dict[str, Any]:
    return dana_body(name=[{"use": "usual", "family": "Diaz", "given": ["Dana"]}])


@pytest.mark.parametrize(
    ("body", "element", "problem"),
    [
        (_without_official_name(), "Patient.name", "official"),
        (dana_body(name=[{"use": "official", "family": "Diaz"}]), "Patient.name[0].given", "required"),
        (dana_body(name=[{"use": "official", "given": ["Dana"]}]), "Patient.name[0].family", "required"),
        (dana_body(gender=None), "Patient.gender", "required"),
        (dana_body(gender="woman"), "Patient.gender", "must be one of"),
        (dana_body(birthDate=None), "Patient.birthDate", "required"),
        (dana_body(birthDate="1991-02-30"), "Patient.birthDate", "must be a date"),
        (dana_body(birthDate="2999-01-01"), "Patient.birthDate", "future"),
        (dana_body(extension=[]), "Patient.extension", "us-core-birthsex"),
        (dana_body(extension=[{"url": BIRTH_SEX, "valueCode": "X"}]), "Patient.extension.valueCode", "M | F"),
        (dana_body(telecom=[{"system": "phone", "value": "6175550144", "rank": 0}]), "Patient.telecom[0].rank", "1"),
        (dana_body(telecom=[{"system": "phone", "value": "12"}]), "Patient.telecom[0].value", "phone"),
        (dana_body(telecom=[{"system": "email", "value": "nope"}]), "Patient.telecom[0].value", "email"),
        (dana_body(address=[{"use": "home", "state": "MA"}]), "Patient.address[0]", "line"),
        (dana_body(address=[{"city": "Boston", "state": "Massachusetts"}]), "Patient.address[0].state", "two-letter"),
        (dana_body(id="chosen-by-client"), "Patient.id", "server assigns"),
    ],
)
def test_it_refuses_an_invalid_patient_naming_the_element_and_writes_nothing(
    api: Client, db: Any, body: dict[str, Any], element: str, problem: str
) -> None:
    response = post(api, {k: v for k, v in body.items() if v is not None})

    assert response.status_code == 400
    issue = parse(response)["issue"][0]
    assert issue["code"] == "invalid"
    assert issue["expression"] == [element]
    assert problem in issue["diagnostics"]
    assert not Patient.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_it_refuses_an_mrn_another_patient_has_and_writes_nothing(api: Client, charlie: Patient) -> None:
    body = dana_body(identifier=[{"system": "http://canvasmedical.com", "value": charlie.mrn}])

    response = post(api, body)

    assert response.status_code == 400
    assert parse(response)["issue"][0]["expression"] == ["Patient.identifier"]
    assert Patient.objects.count() == 1


def test_it_updates_a_patient_and_answers_200_with_an_empty_body(api: Client, dana: Patient) -> None:
    body = dana_body(id=dana.id, name=[{"use": "official", "family": "Diaz-Ortiz", "given": ["Dana"]}])
    before = len(events(dana))

    response = put(api, dana.id, body)

    assert response.status_code == 200
    assert response.content == b""
    dana.refresh_from_db()
    assert (dana.first_name, dana.middle_name, dana.last_name) == ("Dana", "", "Diaz-Ortiz")
    assert events(dana)[before:] == []  # telecom, address and identifiers are unchanged
    assert OutboxEvent.objects.filter(name="PATIENT_UPDATED", target_id=dana.id).count() == 1


def test_it_deletes_telecom_and_addresses_an_update_omits(api: Client, dana: Patient) -> None:
    body = dana_body(id=dana.id)
    del body["telecom"], body["address"]

    response = put(api, dana.id, body)

    assert response.status_code == 200
    assert set(dana.telecom.values_list("state", flat=True)) == {ContactPointState.DELETED}
    assert set(PatientAddress.objects.filter(patient=dana).values_list("state", flat=True)) == {"deleted"}
    assert events(dana)[-3:] == [
        "PATIENT_CONTACT_POINT_DELETED",
        "PATIENT_CONTACT_POINT_DELETED",
        "PATIENT_ADDRESS_DELETED",
    ]
    body = parse(api.get(f"/fhir/Patient/{dana.id}"))
    assert "telecom" not in body
    assert "address" not in body


def test_it_keeps_what_an_update_repeats_and_changes_only_what_differs(api: Client, dana: Patient) -> None:
    phone_before = dana.telecom.get(system="phone")
    body = dana_body(id=dana.id)
    body["telecom"] = [
        {"system": "phone", "value": "+16175550144", "use": "work", "rank": 2},
        {"system": "email", "value": "dana@example.com", "use": "home", "rank": 1},
    ]
    before = len(events(dana))

    response = put(api, dana.id, body)

    assert response.status_code == 200
    phone = dana.telecom.get(system="phone", state="active")
    assert (phone.id, phone.use, phone.rank) == (phone_before.id, "work", 2)
    assert events(dana)[before:] == ["PATIENT_CONTACT_POINT_UPDATED"]


def test_it_writes_nothing_for_an_update_that_changes_nothing(api: Client, dana: Patient) -> None:
    body = parse(api.get(f"/fhir/Patient/{dana.id}"))
    before = (OutboxEvent.objects.count(), AuditEntry.objects.exclude(action="chart.viewed").count())

    response = put(api, dana.id, body)

    assert response.status_code == 200
    assert (OutboxEvent.objects.count(), AuditEntry.objects.exclude(action="chart.viewed").count()) == before


def test_it_writes_nothing_when_an_update_is_invalid(api: Client, dana: Patient) -> None:
    body = dana_body(id=dana.id, birthDate="2999-01-01")
    del body["telecom"]
    before = OutboxEvent.objects.count()

    response = put(api, dana.id, body)

    assert response.status_code == 400
    assert dana.telecom.filter(state="active").count() == 2
    assert OutboxEvent.objects.count() == before


def test_it_refuses_an_update_whose_id_differs_from_the_url(api: Client, dana: Patient, alice: Patient) -> None:
    response = put(api, dana.id, dana_body(id=alice.id))

    assert response.status_code == 400
    assert parse(response)["issue"][0]["expression"] == ["Patient.id"]


def test_it_answers_404_when_updating_an_unknown_patient(api: Client, db: Any) -> None:
    response = put(api, "0123456789abcdef0123456789abcdef", dana_body())

    assert response.status_code == 404


def test_it_needs_the_write_scope(oauth_client: NewClient, alice: Patient) -> None:
    reader = api_client(oauth_client, "system/Patient.read")

    assert post(reader, dana_body()).status_code == 403
    assert put(reader, alice.id, dana_body(id=alice.id)).status_code == 403
    assert Patient.objects.count() == 1


def test_it_refuses_an_update_made_stale_by_a_telecom_change(api: Client, dana: Patient, time_machine: Any) -> None:
    seen = api.get(f"/fhir/Patient/{dana.id}")["Last-Modified"]
    time_machine.move_to(datetime.now(UTC) + timedelta(minutes=5))
    body = dana_body(id=dana.id)
    body["telecom"] = body["telecom"][:1]  # only the phone: the email is deleted
    assert put(api, dana.id, body, **{"If-Unmodified-Since": seen}).status_code == 200

    response = put(api, dana.id, dana_body(id=dana.id), **{"If-Unmodified-Since": seen})

    assert response.status_code == 412
    assert dana.telecom.filter(state="active").count() == 1
