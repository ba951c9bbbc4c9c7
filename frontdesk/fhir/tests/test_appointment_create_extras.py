"""Appointment create with Canvas's extras (reference §1.3, seed 003): a structured reason for visit,
a telehealth meeting Endpoint, and other events that need no patient."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from frontdesk.audit.services import Actor
from frontdesk.events.models import OutboxEvent
from frontdesk.fhir.tests.conftest import parse
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Appointment, NoteType, ReasonForVisit

MONDAY_NOON_UTC = datetime(2026, 3, 2, 12, tzinfo=UTC)
ENDPOINT = {
    "resourceType": "Endpoint",
    "id": "appointment-meeting-endpoint-0",
    "status": "active",
    "connectionType": {},
    "payloadType": [{"coding": []}],
    "address": "https://meet.example.com/alice-and-dr-patel",
}


@pytest.fixture(autouse=True)
def _clock(time_machine: Any) -> None:
    time_machine.move_to(MONDAY_NOON_UTC, tick=False)


def body(staff: Any, location: Any, *, patient: Any = None, **extra: Any) -> dict[str, Any]:
    participants = [{"actor": {"reference": f"Practitioner/{staff.id}"}, "status": "accepted"}]
    if patient is not None:
        participants.append({"actor": {"reference": f"Patient/{patient.id}"}, "status": "accepted"})
    return {
        "resourceType": "Appointment",
        "status": "booked",
        "start": "2026-03-03T10:00:00-05:00",
        "end": "2026-03-03T10:30:00-05:00",
        "participant": participants,
        "supportingInformation": [{"reference": f"Location/{location.id}"}],
    } | extra


def post(api: Client, resource: dict[str, Any]) -> Any:
    return api.post(
        "/fhir/Appointment",
        json.dumps(resource),
        content_type="application/fhir+json",
        headers={"Prefer": "return=representation"},
    )


@pytest.fixture
def knee_pain(db: Any) -> ReasonForVisit:
    return services.save_reason_for_visit(
        actor=Actor.system("tests"),
        reason=ReasonForVisit(
            code="KNEE", system="https://clinic.example.org/rfv", display="Knee pain", durations=[30]
        ),
    )


@pytest.fixture
def video_visit(db: Any) -> NoteType:
    return services.save_note_type(
        actor=Actor.system("tests"),
        note_type=NoteType(
            name="Video visit", code="448337001", is_scheduleable=True, is_telehealth=True, online_duration=30
        ),
    )


@pytest.fixture
def team_meeting(db: Any) -> NoteType:
    """An "other event": blocks the provider's time, needs no patient."""
    return services.save_note_type(
        actor=Actor.system("tests"),
        note_type=NoteType(
            name="Team meeting",
            code="MEETING",
            system="INTERNAL",
            category="schedule_event",
            is_scheduleable=True,
            is_patient_required=False,
        ),
    )


def test_it_books_a_structured_reason_for_visit(
    api: Client, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any, knee_pain: ReasonForVisit
) -> None:
    reason = {"coding": [{"system": "https://clinic.example.org/rfv", "code": "KNEE"}], "text": "Left knee, 2 weeks"}

    response = post(api, body(dr_patel, boston, patient=alice, reasonCode=[reason], description="Knee check"))

    assert response.status_code == 201, response.content
    appointment = Appointment.objects.get()
    assert appointment.reason_for_visit == knee_pain
    assert appointment.comment == "Left knee, 2 weeks"
    resource = parse(response)
    assert resource["reasonCode"] == [
        {
            "coding": [{"system": "https://clinic.example.org/rfv", "code": "KNEE", "display": "Knee pain"}],
            "text": "Left knee, 2 weeks",
        }
    ]
    assert resource["description"] == "Knee check"


@pytest.mark.parametrize("second_system", [None, "https://other.example.org/rfv"])
def test_it_refuses_a_reason_code_that_does_not_exist_or_is_not_unique(
    api: Client,
    alice: Any,
    dr_patel: Any,
    boston: Any,
    patel_in_boston: Any,
    knee_pain: ReasonForVisit,
    second_system: str | None,
) -> None:
    code = "HIP"
    if second_system is not None:
        code = "KNEE"
        services.save_reason_for_visit(
            actor=Actor.system("tests"),
            reason=ReasonForVisit(code="KNEE", system=second_system, display="Knee (other)"),
        )

    response = post(api, body(dr_patel, boston, patient=alice, reasonCode=[{"coding": [{"code": code}]}]))

    assert response.status_code == 422
    issue = parse(response)["issue"][0]
    assert issue["details"]["text"] == f"structured reason for visit with code {code} does not exist"
    assert issue["expression"] == ["Appointment.reasonCode[0].coding[0].code"]
    assert Appointment.objects.count() == 0


def test_the_system_picks_between_reasons_sharing_a_code(
    api: Client, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any, knee_pain: ReasonForVisit
) -> None:
    services.save_reason_for_visit(
        actor=Actor.system("tests"), reason=ReasonForVisit(code="KNEE", system="https://other.example.org", display="x")
    )
    reason = {"coding": [{"system": "https://clinic.example.org/rfv", "code": "KNEE"}]}

    assert post(api, body(dr_patel, boston, patient=alice, reasonCode=[reason])).status_code == 201
    assert Appointment.objects.get().reason_for_visit == knee_pain


def test_it_keeps_to_the_reasons_durations(
    api: Client, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any, knee_pain: ReasonForVisit
) -> None:
    resource = body(dr_patel, boston, patient=alice, reasonCode=[{"coding": [{"code": "KNEE"}]}])

    response = post(api, resource | {"end": "2026-03-03T10:45:00-05:00"})

    assert response.status_code == 422
    assert parse(response)["issue"][0]["expression"] == ["Appointment.end"]
    assert Appointment.objects.count() == 0


@pytest.mark.parametrize("endpoint_id", ["appointment-meeting-endpoint-0", "appointment-meeting-endpoint"])
def test_it_takes_the_meeting_link_from_the_contained_endpoint(
    api: Client, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any, video_visit: NoteType, endpoint_id: str
) -> None:
    resource = body(
        dr_patel,
        boston,
        patient=alice,
        appointmentType={"coding": [{"system": "http://snomed.info/sct", "code": "448337001"}]},
        contained=[ENDPOINT | {"id": endpoint_id}],
    )
    resource["supportingInformation"].append({"reference": f"#{endpoint_id}", "type": "Endpoint"})

    response = post(api, resource)

    assert response.status_code == 201, response.content
    assert Appointment.objects.get().meeting_link == "https://meet.example.com/alice-and-dr-patel"
    read = parse(response)
    assert read["contained"] == [
        {
            "resourceType": "Endpoint",
            "id": "appointment-meeting-endpoint-0",
            "status": "active",
            "connectionType": {"code": "https"},
            "payloadType": [{"coding": [{"code": "video-call"}]}],
            "address": "https://meet.example.com/alice-and-dr-patel",
        }
    ]
    assert {"reference": "#appointment-meeting-endpoint-0", "type": "Endpoint"} in read["supportingInformation"]


def test_a_telehealth_visit_defaults_to_the_providers_room(
    api: Client, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any, video_visit: NoteType
) -> None:
    dr_patel.personal_meeting_room_link = "https://meet.example.com/dr-patel"
    dr_patel.save()
    resource = body(
        dr_patel,
        boston,
        patient=alice,
        appointmentType={"coding": [{"system": "http://snomed.info/sct", "code": "448337001"}]},
    )

    response = post(api, resource)

    assert response.status_code == 201
    assert parse(response)["contained"][0]["address"] == "https://meet.example.com/dr-patel"


@pytest.mark.parametrize(
    ("change", "element"),
    [
        ({"contained": [ENDPOINT | {"address": "not a url"}]}, "Appointment.contained[0].address"),
        ({"contained": [ENDPOINT | {"address": "ftp://meet.example.com/x"}]}, "Appointment.contained[0].address"),
        ({"contained": [ENDPOINT | {"id": "video"}]}, "Appointment.contained[0].id"),
        ({"contained": [{"resourceType": "Patient", "id": "p"}]}, "Appointment.contained[0].resourceType"),
        ({"contained": {"resourceType": "Endpoint"}}, "Appointment.contained"),
        ({"supportingInformation": "#appointment-meeting-endpoint-0"}, "Appointment.supportingInformation"),
    ],
)
def test_it_names_a_bad_endpoint_and_writes_nothing(
    api: Client, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any, change: Any, element: str
) -> None:
    response = post(api, body(dr_patel, boston, patient=alice) | change)

    assert response.status_code == 400
    assert parse(response)["issue"][0]["expression"] == [element]
    assert Appointment.objects.count() == 0


def test_a_reference_to_a_missing_endpoint_is_named(
    api: Client, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any
) -> None:
    resource = body(dr_patel, boston, patient=alice)
    resource["supportingInformation"].append({"reference": "#appointment-meeting-endpoint-0", "type": "Endpoint"})

    response = post(api, resource)

    assert response.status_code == 400
    assert parse(response)["issue"][0]["expression"] == ["Appointment.supportingInformation[1].reference"]


def test_it_writes_a_calendar_event_without_a_patient(
    api: Client, dr_patel: Any, boston: Any, patel_in_boston: Any, team_meeting: NoteType
) -> None:
    resource = body(
        dr_patel,
        boston,
        appointmentType={"coding": [{"system": "INTERNAL", "code": "MEETING"}]},
        description="Quarterly team meeting",
    )

    response = post(api, resource)

    assert response.status_code == 201, response.content
    event = Appointment.objects.get()
    assert (event.patient, event.provider, event.note_type) == (None, dr_patel, team_meeting)
    read = parse(response)
    assert [p["actor"]["reference"] for p in read["participant"]] == [f"Practitioner/{dr_patel.id}"]
    assert OutboxEvent.objects.filter(name="APPOINTMENT_CREATED", target_id=str(event.id)).exists()
    # ... and it holds the provider's time like any booking.
    taken = post(api, resource | {"start": "2026-03-03T10:15:00-05:00", "end": "2026-03-03T10:45:00-05:00"})
    assert taken.status_code == 422


def test_an_event_without_a_patient_needs_its_type(
    api: Client, dr_patel: Any, boston: Any, patel_in_boston: Any, office_visit: NoteType
) -> None:
    missing = post(api, body(dr_patel, boston))
    needs_patient = post(
        api,
        body(dr_patel, boston, appointmentType={"coding": [{"system": "http://snomed.info/sct", "code": "185389009"}]}),
    )

    assert missing.status_code == 400
    assert parse(missing)["issue"][0]["expression"] == ["Appointment.appointmentType"]
    assert needs_patient.status_code == 422
    assert parse(needs_patient)["issue"][0]["expression"] == ["Appointment.participant"]
    assert Appointment.objects.count() == 0


def test_it_answers_canvas_texts_for_unknown_and_unschedulable_types(
    api: Client, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any
) -> None:
    services.save_note_type(
        actor=Actor.system("tests"), note_type=NoteType(name="Chart review", code="REVIEW", system="INTERNAL")
    )

    unknown = post(
        api, body(dr_patel, boston, patient=alice, appointmentType={"coding": [{"system": "X", "code": "1"}]})
    )
    review = post(
        api,
        body(dr_patel, boston, patient=alice, appointmentType={"coding": [{"system": "INTERNAL", "code": "REVIEW"}]}),
    )

    assert parse(unknown)["issue"][0]["details"]["text"] == "Appointment Type does not exist with code: 1 and system: X"
    assert parse(review)["issue"][0]["details"]["text"] == "Note type: Chart review is not scheduleable"
    assert unknown.status_code == review.status_code == 422
    assert Appointment.objects.count() == 0
