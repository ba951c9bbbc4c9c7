"""Appointment create, read, search and cancel (reference §1.3, §2), always through the booking services.
Moves and other updates: test_appointment_update.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from frontdesk.fhir.tests.conftest import api_client, parse
from frontdesk.scheduling.models import Appointment, AppointmentProgressStatus

MONDAY_NOON_UTC = datetime(2026, 3, 2, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(time_machine: Any) -> None:
    time_machine.move_to(MONDAY_NOON_UTC, tick=False)


def body(patient: Any, staff: Any, location: Any, *, start: str = "2026-03-03T10:00:00-05:00", **extra: Any) -> Any:
    resource = {
        "resourceType": "Appointment",
        "status": "booked",
        "appointmentType": {"coding": [{"system": "http://snomed.info/sct", "code": "185389009"}]},
        "reasonCode": [{"text": "Knee pain"}],
        "description": "Knee follow-up",
        "start": start,
        "end": start.replace("T10:00", "T10:30"),
        "participant": [
            {"actor": {"reference": f"Practitioner/{staff.id}"}, "status": "accepted"},
            {"actor": {"reference": f"Patient/{patient.id}"}, "status": "accepted"},
        ],
        "supportingInformation": [{"reference": f"Location/{location.id}"}],
    }
    resource.update(extra)
    return resource


def post(api: Client, resource: Any, **headers: str) -> Any:
    return api.post("/fhir/Appointment", json.dumps(resource), content_type="application/fhir+json", headers=headers)


@pytest.fixture
def booked(api: Client, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any) -> Appointment:
    response = post(api, body(alice, dr_patel, boston))
    assert response.status_code == 201, response.content
    return Appointment.objects.get(id=response["Location"].rsplit("/", 1)[1])


def test_it_creates_with_an_empty_body_and_the_id_in_location(
    api: Client, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any, office_visit: Any
) -> None:
    response = post(api, body(alice, dr_patel, boston))

    assert response.status_code == 201
    assert response.content == b""
    appointment = Appointment.objects.get()
    assert response["Location"] == f"/Appointment/{appointment.id}"
    assert appointment.patient == alice
    assert appointment.provider == dr_patel
    assert appointment.location == boston
    assert appointment.note_type == office_visit
    assert appointment.start_time == datetime(2026, 3, 3, 15, tzinfo=UTC)
    assert appointment.duration_minutes == 30
    assert appointment.status == AppointmentProgressStatus.CONFIRMED
    assert appointment.comment == "Knee pain"
    assert appointment.description == "Knee follow-up"


def test_it_returns_the_resource_when_asked(
    api: Client, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any
) -> None:
    response = post(api, body(alice, dr_patel, boston), Prefer="return=representation")

    assert response.status_code == 201
    resource = parse(response)
    assert resource["status"] == "booked"
    assert resource["start"] == "2026-03-03T10:00:00-05:00"
    assert resource["end"] == "2026-03-03T10:30:00-05:00"
    assert response["Location"] == f"/Appointment/{resource['id']}"


def test_it_refuses_a_taken_time(api: Client, booked: Any, charlie: Any, dr_patel: Any, boston: Any) -> None:
    response = post(api, body(charlie, dr_patel, boston, start="2026-03-03T10:00:00-05:00"))

    assert response.status_code == 422
    issue = parse(response)["issue"][0]
    assert issue["code"] == "business-rule"
    assert issue["details"]["text"] == "This appointment time is no longer available."
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "element", "status"),
    [
        ({"start": "2026-03-03"}, "Appointment.start", 400),
        ({"end": "2026-03-03T09:00:00-05:00"}, "Appointment.end", 400),
        ({"status": "entered-in-error"}, "Appointment.status", 400),
        ({"participant": []}, "Appointment.participant", 400),
        ({"participant": [{"actor": {"reference": "Practitioner/nobody"}, "status": "accepted"}]},
         "Appointment.participant[0].actor.reference", 400),
        ({"supportingInformation": []}, "Appointment.supportingInformation", 400),
        ({"reasonCode": [{"text": ""}]}, "Appointment.reasonCode[0].text", 400),
        ({"appointmentType": {"coding": [{"system": "http://snomed.info/sct", "code": "000"}]}},
         "Appointment.appointmentType", 422),
        ({"resourceType": "Patient"}, "resourceType", 400),
    ],
)  # fmt: skip
def test_it_names_the_bad_element_and_writes_nothing(
    api: Client,
    alice: Any,
    dr_patel: Any,
    boston: Any,
    patel_in_boston: Any,
    change: dict[str, Any],
    element: str,
    status: int,
) -> None:
    response = post(api, body(alice, dr_patel, boston, **change))

    assert response.status_code == status
    issue = parse(response)["issue"][0]
    assert issue["expression"] == [element]
    assert Appointment.objects.count() == 0


def test_it_refuses_a_body_that_is_not_json(api: Client, db: Any) -> None:
    response = api.post("/fhir/Appointment", "{", content_type="application/fhir+json")

    assert response.status_code == 400
    assert parse(response)["issue"][0]["code"] == "invalid"


def test_it_names_the_field_the_booking_rules_refuse(
    api: Client, alice: Any, dr_patel: Any, denver: Any, patel_in_boston: Any
) -> None:
    response = post(api, body(alice, dr_patel, denver))

    assert response.status_code == 422
    assert parse(response)["issue"][0]["expression"] == ["Appointment.supportingInformation"]
    assert Appointment.objects.count() == 0


def test_a_read_only_token_cannot_create(
    oauth_client: Any, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any
) -> None:
    response = post(api_client(oauth_client, "system/*.read"), body(alice, dr_patel, boston))

    assert response.status_code == 403
    assert parse(response)["issue"][0]["code"] == "forbidden"
    assert Appointment.objects.count() == 0


def test_it_reads_an_appointment(api: Client, booked: Appointment, alice: Any, dr_patel: Any, boston: Any) -> None:
    resource = parse(api.get(f"/fhir/Appointment/{booked.id}"))

    assert resource["id"] == str(booked.id)
    assert resource["appointmentType"]["coding"][0] == {
        "system": "http://snomed.info/sct",
        "code": "185389009",
        "display": "Follow-up visit",
    }
    assert resource["reasonCode"] == [{"text": "Knee pain"}]
    assert resource["description"] == "Knee follow-up"
    assert [p["actor"]["reference"] for p in resource["participant"]] == [
        f"Practitioner/{dr_patel.id}",
        f"Patient/{alice.id}",
    ]
    assert resource["supportingInformation"] == [{"reference": f"Location/{boston.id}", "type": "Location"}]


@pytest.mark.parametrize("missing", ["not-a-uuid", "6c1a3a8e-0000-4000-8000-000000000000"])
def test_it_answers_404_for_an_unknown_id(api: Client, db: Any, missing: str) -> None:
    response = api.get(f"/fhir/Appointment/{missing}")

    assert response.status_code == 404
    assert parse(response)["issue"][0]["details"]["text"] == f"Unknown Appointment resource '{missing}'"


def test_it_searches_by_patient_practitioner_date_and_status(
    api: Client,
    booked: Appointment,
    alice: Any,
    charlie: Any,
    dr_patel: Any,
    boston: Any,
    django_assert_max_num_queries: Any,
) -> None:
    later = post(api, body(charlie, dr_patel, boston, start="2026-03-05T10:00:00-05:00"))
    assert later.status_code == 201
    later_id = later["Location"].rsplit("/", 1)[1]

    def ids(query: str) -> list[str]:
        with django_assert_max_num_queries(4):  # token, count, page, identifiers
            bundle = parse(api.get(f"/fhir/Appointment?{query}"))
        return [e["resource"]["id"] for e in bundle.get("entry", [])]

    assert ids(f"patient=Patient/{alice.id}") == [str(booked.id)]
    assert ids(f"practitioner=Practitioner/{dr_patel.id}") == [str(booked.id), later_id]
    assert ids(f"_id={later_id}") == [later_id]
    assert ids("date=ge2026-03-04") == [later_id]
    assert ids("date=ge2026-03-03&date=lt2026-03-04") == [str(booked.id)]
    assert ids("date=2026-03-05") == [later_id]
    assert ids("date=gt2026-03-03") == [later_id]
    assert ids("date=le2026-03-03") == [str(booked.id)]
    assert ids("status=booked") == [str(booked.id), later_id]
    assert ids("status=cancelled") == []
    assert ids("patient=Patient/nobody") == []


@pytest.mark.parametrize("query", ["status=waitlist", "date=yesterday", "patient=Practitioner/abc"])
def test_it_refuses_bad_search_values(api: Client, db: Any, query: str) -> None:
    response = api.get(f"/fhir/Appointment?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in parse(response)["issue"][0]["diagnostics"]


def test_it_cancels_with_a_put(api: Client, booked: Appointment) -> None:
    # Canvas's mobile app sends only these fields, without resourceType.
    current = parse(api.get(f"/fhir/Appointment/{booked.id}"))
    update = {k: current[k] for k in ("start", "end", "participant", "supportingInformation")} | {"status": "cancelled"}

    response = api.put(f"/fhir/Appointment/{booked.id}", json.dumps(update), content_type="application/fhir+json")

    assert response.status_code == 200
    assert response.content == b""
    booked.refresh_from_db()
    assert booked.status == AppointmentProgressStatus.CANCELLED
    assert parse(api.get(f"/fhir/Appointment/{booked.id}"))["status"] == "cancelled"


def test_an_update_of_an_unknown_appointment_is_404(api: Client, db: Any) -> None:
    response = api.put(
        "/fhir/Appointment/6c1a3a8e-0000-4000-8000-000000000000",
        json.dumps({"status": "cancelled"}),
        content_type="application/fhir+json",
    )

    assert response.status_code == 404


def test_a_read_only_token_cannot_cancel(oauth_client: Any, booked: Appointment) -> None:
    response = api_client(oauth_client, "system/Appointment.read").put(
        f"/fhir/Appointment/{booked.id}", json.dumps({"status": "cancelled"}), content_type="application/fhir+json"
    )

    assert response.status_code == 403
    booked.refresh_from_db()
    assert booked.status == AppointmentProgressStatus.CONFIRMED
