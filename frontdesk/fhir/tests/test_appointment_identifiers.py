"""An external scheduler keeps its own ids on appointments (reference §1.3 `identifier[]`): stored
with Canvas's period defaults, replaced on update (expired ones stay), searchable."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.test import Client

from frontdesk.fhir.tests.conftest import parse
from frontdesk.scheduling.models import Appointment, AppointmentExternalIdentifier

SCHEDULER = "https://scheduler.example.com/bookings"


@pytest.fixture(autouse=True)
def _clock(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False)


def body(patient: Any, staff: Any, location: Any, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "start": "2026-03-03T10:00:00-05:00",
        "end": "2026-03-03T10:30:00-05:00",
        "participant": [
            {"actor": {"reference": f"Practitioner/{staff.id}"}, "status": "accepted"},
            {"actor": {"reference": f"Patient/{patient.id}"}, "status": "accepted"},
        ],
        "supportingInformation": [{"reference": f"Location/{location.id}"}],
    } | extra


def post(api: Client, resource: dict[str, Any]) -> Any:
    return api.post("/fhir/Appointment", json.dumps(resource), content_type="application/fhir+json")


@pytest.fixture
def booked(api: Client, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any) -> Appointment:
    identifiers = [
        {"use": "usual", "system": SCHEDULER, "value": "B-1001", "assigner": {"display": "Acme Scheduler"}},
        {"system": "https://old.example.com", "value": "OLD-7", "period": {"start": "2020-01-01", "end": "2025-12-31"}},
    ]
    response = post(api, body(alice, dr_patel, boston, identifier=identifiers))
    assert response.status_code == 201, response.content
    return Appointment.objects.get(id=response["Location"].rsplit("/", 1)[1])


def test_it_stores_identifiers_with_canvas_period_defaults(api: Client, booked: Appointment) -> None:
    resource = parse(api.get(f"/fhir/Appointment/{booked.id}"))

    assert resource["identifier"] == [
        {
            "use": "usual",
            "system": SCHEDULER,
            "value": "B-1001",
            "period": {"start": "1970-01-01", "end": "2100-12-31"},
            "assigner": {"display": "Acme Scheduler"},
        },
        {"system": "https://old.example.com", "value": "OLD-7", "period": {"start": "2020-01-01", "end": "2025-12-31"}},
    ]


def test_an_update_replaces_current_identifiers_and_keeps_expired_ones(api: Client, booked: Appointment) -> None:
    resource = parse(api.get(f"/fhir/Appointment/{booked.id}"))
    sent = [{"system": SCHEDULER, "value": "B-2002", "period": {"start": "2026-03-02T12:00:00Z"}}]

    response = api.put(
        f"/fhir/Appointment/{booked.id}",
        json.dumps(resource | {"identifier": sent}),
        content_type="application/fhir+json",
    )

    assert response.status_code == 200, response.content
    stored = {(i.value, i.issued_date) for i in AppointmentExternalIdentifier.objects.filter(appointment=booked)}
    assert stored == {("B-2002", date(2026, 3, 2)), ("OLD-7", date(2020, 1, 1))}


def test_an_update_without_identifier_keeps_them(api: Client, booked: Appointment) -> None:
    response = api.put(
        f"/fhir/Appointment/{booked.id}",
        json.dumps({"status": "booked", "description": "Bring X-rays"}),
        content_type="application/fhir+json",
    )

    assert response.status_code == 200
    assert AppointmentExternalIdentifier.objects.filter(appointment=booked).count() == 2


def test_it_searches_by_identifier(api: Client, booked: Appointment, charlie: Any, dr_patel: Any, boston: Any) -> None:
    other = post(api, body(charlie, dr_patel, boston, start="2026-03-04T10:00:00-05:00", end="2026-03-04T10:30:00-05:00",
                           identifier=[{"system": "https://another.example.com", "value": "B-1001"}]))  # fmt: skip
    assert other.status_code == 201
    other_id = other["Location"].rsplit("/", 1)[1]

    def ids(query: str) -> list[str]:
        bundle = parse(api.get(f"/fhir/Appointment?identifier={query}"))
        return [e["resource"]["id"] for e in bundle.get("entry", [])]

    assert ids("B-1001") == [str(booked.id), other_id]
    assert ids(f"{SCHEDULER}|B-1001") == [str(booked.id)]
    assert ids(f"{SCHEDULER}|OLD-7") == []
    assert ids("OLD-7,nothing") == [str(booked.id)]


@pytest.mark.parametrize(
    ("identifier", "element"),
    [
        ({"system": SCHEDULER}, "Appointment.identifier[0].value"),
        ({"value": ""}, "Appointment.identifier[0].value"),
        ({"value": "X", "system": ""}, "Appointment.identifier[0].system"),
        ({"value": "X", "use": "primary"}, "Appointment.identifier[0].use"),
        ({"value": "X", "period": {"start": "soon"}}, "Appointment.identifier[0].period.start"),
        (
            {"value": "X", "period": {"start": "2027-01-01", "end": "2026-01-01"}},
            "Appointment.identifier[0].period.end",
        ),
        ({"value": "X", "assigner": {"display": 7}}, "Appointment.identifier[0].assigner.display"),
        ("X", "Appointment.identifier[0]"),
    ],
)
def test_it_names_a_bad_identifier_and_writes_nothing(
    api: Client, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any, identifier: Any, element: str
) -> None:
    response = post(api, body(alice, dr_patel, boston, identifier=[identifier]))

    assert response.status_code == 400
    assert parse(response)["issue"][0]["expression"] == [element]
    assert Appointment.objects.count() == 0


def test_the_same_identifier_twice_is_refused(
    api: Client, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any
) -> None:
    twice = [{"system": SCHEDULER, "value": "B-1"}, {"system": SCHEDULER, "value": "B-1"}]

    response = post(api, body(alice, dr_patel, boston, identifier=twice))

    assert response.status_code == 400
    assert parse(response)["issue"][0]["expression"] == ["Appointment.identifier[1].value"]
    assert Appointment.objects.count() == 0
