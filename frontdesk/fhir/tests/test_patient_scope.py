"""A patient-bound token reaches only its patient's data, by every route (`compartment.py`).

Alice holds a token bound to her (client credentials with `patient=`); Charlie is another patient
with the same kinds of data. Every served type and interaction has a test here where Charlie's
data is denied: reads answer 404 (never 403), searches are limited to Alice whatever the client
sends, writes naming Charlie answer 403 and write nothing, and updates of Charlie's resources 404.
`test_it_covers_every_served_type_and_interaction` fails when a type or interaction is added
without a test here.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import CanvasUser
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import AllergyIntolerance, Condition, Medication, Patient
from frontdesk.clinic.services import save_chart_item, set_codings
from frontdesk.fhir.resources import registry
from frontdesk.fhir.services import NewClient
from frontdesk.fhir.tests.conftest import parse
from frontdesk.scheduling.models import Appointment, AppointmentProgressStatus

MONDAY_NOON_UTC = datetime(2026, 3, 2, 12, tzinfo=UTC)
CHART = ("Condition", "MedicationStatement", "AllergyIntolerance")

#: The (type, interaction) pairs the tests below deny for another patient (or for a patient token).
COVERED = {
    ("Patient", "read"),
    ("Patient", "search-type"),
    ("Patient", "create"),
    ("Patient", "update"),
    ("Appointment", "read"),
    ("Appointment", "search-type"),
    ("Appointment", "create"),
    ("Appointment", "update"),
    *((kind, interaction) for kind in CHART for interaction in ("read", "search-type")),
    ("Practitioner", "read"),
    ("Practitioner", "search-type"),
    ("Practitioner", "create"),
    ("Practitioner", "update"),
    ("Location", "read"),
    ("Location", "search-type"),
    ("Schedule", "search-type"),
    ("Slot", "search-type"),
}


@pytest.fixture(autouse=True)
def _clock(time_machine: Any) -> None:
    time_machine.move_to(MONDAY_NOON_UTC, tick=False)


def appointment_body(patient: Patient | None, staff: Any, location: Any, start: str) -> dict[str, Any]:
    participants = [{"actor": {"reference": f"Practitioner/{staff.id}"}, "status": "accepted"}]
    if patient is not None:
        participants.append({"actor": {"reference": f"Patient/{patient.id}"}, "status": "accepted"})
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "start": start,
        "end": start.replace(":00:00-05:00", ":30:00-05:00"),
        "participant": participants,
        "supportingInformation": [{"reference": f"Location/{location.id}"}],
    }


def send(api: Client, method: str, path: str, body: dict[str, Any], **headers: str) -> Any:
    call = api.post if method == "POST" else api.put
    return call(f"/fhir/{path}", json.dumps(body), content_type="application/fhir+json", headers=headers)


def ids(response: Any) -> set[str]:
    return {e["resource"]["id"] for e in parse(response).get("entry", [])}


@pytest.fixture
def world(
    api: Client, alice: Patient, charlie: Patient, dr_patel: Any, boston: Any, patel_in_boston: Any
) -> dict[str, dict[str, str]]:
    """For Alice and Charlie: an appointment and one condition, medication and allergy each, by type."""
    staff = Actor.for_user(CanvasUser.objects.create_user(email="dana@example.com", password="x-long-password-1"))
    found: dict[str, dict[str, str]] = {"alice": {"Patient": alice.id}, "charlie": {"Patient": charlie.id}}
    for who, patient, hour in (("alice", alice, "10"), ("charlie", charlie, "11")):
        response = send(
            api, "POST", "Appointment", appointment_body(patient, dr_patel, boston, f"2026-03-03T{hour}:00:00-05:00")
        )
        assert response.status_code == 201, response.content
        found[who]["Appointment"] = response["Location"].rsplit("/", 1)[1]
        for kind, item in (
            ("Condition", Condition(patient=patient, onset_date=date(2020, 1, 2))),
            ("MedicationStatement", Medication(patient=patient, start_date=datetime(2024, 1, 5, tzinfo=UTC))),
            ("AllergyIntolerance", AllergyIntolerance(patient=patient, onset_date=date(2010, 6, 7))),
        ):
            saved = save_chart_item(actor=staff, item=item)
            set_codings(actor=staff, item=saved, codings=[("http://snomed.info/sct", "1", f"{who} {kind}")])
            found[who][kind] = str(saved.id)
    return found


@pytest.fixture
def alice_api(oauth_client: NewClient, alice: Patient) -> Client:
    return patient_api(oauth_client, alice)


def patient_api(new: NewClient, patient: Patient, scope: str = "patient/*.*") -> Client:
    response = Client().post(
        "/auth/token/",
        {
            "grant_type": "client_credentials",
            "client_id": new.client.client_id,
            "client_secret": new.secret,
            "patient": patient.id,
            "scope": scope,
        },
    )
    assert response.status_code == 200, response.content
    return Client(headers={"Authorization": f"Bearer {response.json()['access_token']}"})


def test_it_covers_every_served_type_and_interaction() -> None:
    served = {(t.name, i) for t in registry().values() for i in t.interactions}

    assert served <= COVERED, f"add patient-scope tests for {sorted(served - COVERED)}"


# --- reads ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["Patient", "Appointment", *CHART])
def test_it_reads_the_patients_own_resources_and_404s_another_patients(
    alice_api: Client, world: dict[str, dict[str, str]], kind: str
) -> None:
    own = alice_api.get(f"/fhir/{kind}/{world['alice'][kind]}")
    other = alice_api.get(f"/fhir/{kind}/{world['charlie'][kind]}")

    assert own.status_code == 200
    assert other.status_code == 404
    body = parse(other)
    assert body["issue"][0]["code"] == "not-found"
    assert "Charlie" not in other.content.decode() and "charlie" not in other.content.decode()


# --- searches ------------------------------------------------------------------------------------


def charlie_queries(
    world: dict[str, dict[str, str]], charlie: Patient, dr_patel: Any, boston: Any
) -> list[tuple[str, str]]:
    c = world["charlie"]
    return [
        ("Patient", f"_id={c['Patient']}"),
        ("Patient", f"_id={world['alice']['Patient']},{c['Patient']}"),
        ("Patient", "name=Charlie"),
        ("Patient", "family=Chen"),
        ("Patient", "given=Charlie"),
        ("Patient", "birthdate=1985-02-03"),
        ("Patient", f"identifier={charlie.mrn}"),
        ("Patient", f"identifier=http://canvasmedical.com|{charlie.mrn}"),
        ("Patient", "active=true"),
        ("Patient", "_sort=family"),
        ("Patient", ""),
        ("Appointment", f"patient=Patient/{c['Patient']}"),
        ("Appointment", f"patient={c['Patient']}"),
        ("Appointment", f"_id={c['Appointment']}"),
        ("Appointment", f"practitioner=Practitioner/{dr_patel.id}"),
        ("Appointment", f"location=Location/{boston.id}"),
        ("Appointment", "date=2026-03-03"),
        ("Appointment", "status=booked"),
        ("Appointment", "_sort=-date"),
        ("Appointment", ""),
        *((kind, f"patient=Patient/{c['Patient']}") for kind in CHART),
        *((kind, f"_id={c[kind]}") for kind in CHART),
        *((kind, "") for kind in CHART),
    ]


def test_every_search_is_limited_to_the_tokens_patient(
    api: Client, alice_api: Client, world: dict[str, dict[str, str]], charlie: Patient, dr_patel: Any, boston: Any
) -> None:
    charlies = set(world["charlie"].values())
    for kind, query in charlie_queries(world, charlie, dr_patel, boston):
        # The same search finds Charlie's data with a system token...
        assert ids(api.get(f"/fhir/{kind}?{query}")) & charlies, (kind, query)
        # ...and none of it with Alice's.
        response = alice_api.get(f"/fhir/{kind}?{query}")
        assert response.status_code == 200, (kind, query, response.content)
        found = ids(response)
        assert not found & charlies, (kind, query)
        assert parse(response)["total"] == len(found) or parse(response)["total"] > len(found)
        assert found <= {world["alice"][kind]}, (kind, query)


@pytest.mark.parametrize("kind", ["Patient", "Appointment", *CHART])
def test_a_search_without_parameters_returns_only_the_patients_own(
    alice_api: Client, world: dict[str, dict[str, str]], kind: str
) -> None:
    response = alice_api.get(f"/fhir/{kind}")

    assert ids(response) == {world["alice"][kind]}
    assert parse(response)["total"] == 1


@pytest.mark.parametrize(
    "query",
    [
        "Patient?_include=Patient:general-practitioner",
        "Appointment?_include=Appointment:patient",
        "Appointment?_revinclude=Condition:subject",
        "Appointment?_include:iterate=Appointment:patient&_id={charlie_appointment}",
    ],
)
def test_includes_are_refused(alice_api: Client, world: dict[str, dict[str, str]], query: str) -> None:
    response = alice_api.get("/fhir/" + query.format(charlie_appointment=world["charlie"]["Appointment"]))

    assert response.status_code == 400
    assert "Chen" not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "Condition?subject=Patient/{charlie}",
        "Condition?_has:Condition:patient:_id={charlie}",
        "Patient?_elements=name&_id={charlie}",
        "Patient?_summary=true&name=Chen",
        "Patient?_format=json&_id={charlie}",
        "Appointment?actor=Patient/{charlie}",
    ],
)
def test_unknown_parameters_leak_nothing(
    alice_api: Client, world: dict[str, dict[str, str]], charlie: Patient, query: str
) -> None:
    """Ignored (or refused under `Prefer: handling=strict`): never Charlie's data either way."""
    for headers in ({}, {"Prefer": "handling=strict"}):
        response = alice_api.get("/fhir/" + query.format(charlie=charlie.id), headers=headers)

        assert response.status_code in (200, 400)
        assert not ids(response) & set(world["charlie"].values()) if response.status_code == 200 else True
        assert "Chen" not in response.content.decode()


def test_history_answers_the_same_for_any_patient_and_reveals_nothing(
    alice_api: Client, world: dict[str, dict[str, str]]
) -> None:
    for kind in ("Patient", "Appointment"):
        mine = alice_api.get(f"/fhir/{kind}/{world['alice'][kind]}/_history")
        theirs = alice_api.get(f"/fhir/{kind}/{world['charlie'][kind]}/_history")
        assert mine.status_code == theirs.status_code == 405  # history is not served at all
        assert parse(theirs)["issue"][0]["code"] == "not-supported"
        assert "Chen" not in theirs.content.decode()


# --- writes ----------------------------------------------------------------------------------------


def test_it_books_for_the_tokens_patient_and_refuses_booking_for_another(
    alice_api: Client, world: Any, alice: Patient, charlie: Patient, dr_patel: Any, boston: Any
) -> None:
    before = Appointment.objects.count()

    other = send(
        alice_api, "POST", "Appointment", appointment_body(charlie, dr_patel, boston, "2026-03-04T10:00:00-05:00")
    )
    nobody = send(
        alice_api, "POST", "Appointment", appointment_body(None, dr_patel, boston, "2026-03-04T10:00:00-05:00")
    )
    own = send(alice_api, "POST", "Appointment", appointment_body(alice, dr_patel, boston, "2026-03-04T10:00:00-05:00"))

    assert other.status_code == 403
    assert parse(other)["issue"][0]["code"] == "forbidden"
    assert nobody.status_code == 403
    assert own.status_code == 201, own.content
    assert Appointment.objects.count() == before + 1
    assert Appointment.objects.latest("dbid").patient == alice


@pytest.mark.parametrize(
    "smuggled",
    [
        {
            "contained": [
                {
                    "resourceType": "Patient",
                    "id": "p",
                    "link": [{"other": {"reference": "Patient/{charlie}"}, "type": "seealso"}],
                }
            ]
        },
        {"basedOn": [{"reference": "https://elsewhere.example/fhir/Patient/{charlie}"}]},
        {"basedOn": [{"reference": "Patient?identifier=123"}]},
        {"basedOn": [{"type": "Patient", "identifier": {"value": "123"}}]},
    ],
)
def test_a_body_naming_another_patient_anywhere_is_refused(
    alice_api: Client, world: Any, alice: Patient, charlie: Patient, dr_patel: Any, boston: Any, smuggled: Any
) -> None:
    body = appointment_body(alice, dr_patel, boston, "2026-03-04T10:00:00-05:00")
    body.update(json.loads(json.dumps(smuggled).replace("{charlie}", charlie.id)))
    before = Appointment.objects.count()

    response = send(alice_api, "POST", "Appointment", body)

    assert response.status_code == 403
    assert Appointment.objects.count() == before


def test_it_cancels_the_patients_own_appointment_and_404s_another_patients(
    alice_api: Client, world: dict[str, dict[str, str]]
) -> None:
    responses = {}
    for who in ("charlie", "alice"):
        key = world[who]["Appointment"]
        current = parse(alice_api.get(f"/fhir/Appointment/{key}")) if who == "alice" else None
        body = {"resourceType": "Appointment", "status": "cancelled"}
        if current is not None:
            body |= {k: current[k] for k in ("start", "end", "participant")}
        responses[who] = send(alice_api, "PUT", f"Appointment/{key}", body)

    assert responses["charlie"].status_code == 404
    assert Appointment.objects.get(id=world["charlie"]["Appointment"]).status != AppointmentProgressStatus.CANCELLED
    assert responses["alice"].status_code == 200
    assert Appointment.objects.get(id=world["alice"]["Appointment"]).status == AppointmentProgressStatus.CANCELLED


def test_a_conditional_update_of_another_patients_appointment_is_404_not_412(
    alice_api: Client, world: dict[str, dict[str, str]]
) -> None:
    key = world["charlie"]["Appointment"]

    response = send(
        alice_api,
        "PUT",
        f"Appointment/{key}",
        {"resourceType": "Appointment", "status": "cancelled"},
        **{"If-Unmodified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"},
    )

    assert response.status_code == 404


def test_an_update_of_the_patients_own_appointment_may_not_name_another_patient(
    alice_api: Client, world: dict[str, dict[str, str]], charlie: Patient
) -> None:
    key = world["alice"]["Appointment"]
    current = parse(alice_api.get(f"/fhir/Appointment/{key}"))
    current["participant"][1]["actor"]["reference"] = f"Patient/{charlie.id}"
    current["status"] = "cancelled"

    response = send(alice_api, "PUT", f"Appointment/{key}", current)

    assert response.status_code == 403
    assert Appointment.objects.get(id=key).status != AppointmentProgressStatus.CANCELLED


def test_patient_writes_reach_only_the_tokens_patient(
    alice_api: Client, world: dict[str, dict[str, str]], charlie: Patient
) -> None:
    body = {
        "resourceType": "Patient",
        "name": [{"use": "official", "family": "Mallory", "given": ["Eve"]}],
        "gender": "female",
        "birthDate": "1990-01-01",
        "extension": [{"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex", "valueCode": "F"}],
    }
    before = Patient.objects.count()

    created = send(alice_api, "POST", "Patient", body)
    updated = send(alice_api, "PUT", f"Patient/{charlie.id}", body | {"id": charlie.id})

    assert created.status_code == 403
    assert updated.status_code == 404
    assert Patient.objects.count() == before
    charlie.refresh_from_db()
    assert charlie.last_name == "Chen"


# --- clinic data and scopes ---------------------------------------------------------------------


def test_clinic_types_are_readable_when_the_scope_names_them_and_never_writable(
    oauth_client: NewClient, alice: Patient, world: Any, dr_patel: Any, boston: Any
) -> None:
    api = patient_api(
        oauth_client, alice, "patient/Practitioner.* patient/Location.read patient/Schedule.read patient/Slot.read"
    )
    schedule = f"Location.{boston.dbid}-Staff.{dr_patel.id}"

    assert api.get(f"/fhir/Practitioner/{dr_patel.id}").status_code == 200
    assert api.get("/fhir/Practitioner").status_code == 200
    assert api.get(f"/fhir/Location/{boston.id}").status_code == 200
    assert api.get("/fhir/Location").status_code == 200
    assert api.get("/fhir/Schedule").status_code == 200
    assert api.get(f"/fhir/Slot?schedule={schedule}&start=2026-03-03").status_code == 200
    created = send(api, "POST", "Practitioner", {"resourceType": "Practitioner"})
    updated = send(api, "PUT", f"Practitioner/{dr_patel.id}", {"resourceType": "Practitioner", "id": dr_patel.id})
    assert created.status_code == 403
    assert updated.status_code == 403


def test_a_patient_token_needs_a_patient_scope_for_each_type(
    oauth_client: NewClient, alice: Patient, world: Any
) -> None:
    api = patient_api(oauth_client, alice, "patient/Appointment.read")

    assert api.get(f"/fhir/Appointment/{world['alice']['Appointment']}").status_code == 200
    refused = api.get(f"/fhir/Patient/{alice.id}")
    assert refused.status_code == 403
    assert "patient/Patient.read" in parse(refused)["issue"][0]["diagnostics"]
    assert api.get("/fhir/Location").status_code == 403


def test_a_patient_token_stops_working_when_the_patient_is_deactivated(alice_api: Client, alice: Patient) -> None:
    assert alice_api.get(f"/fhir/Patient/{alice.id}").status_code == 200
    Patient.objects.filter(pk=alice.pk).update(active=False)

    assert alice_api.get(f"/fhir/Patient/{alice.id}").status_code == 401
