"""Appointment update (PUT) the Canvas way (reference §1.3): in place, omitted elements kept, moves
checked against the provider's other appointments, statuses through the scheduling services."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.events.models import OutboxEvent
from frontdesk.fhir.tests.conftest import parse
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Appointment, AppointmentProgressStatus, NoteType

MONDAY_NOON_UTC = datetime(2026, 3, 2, 12, tzinfo=UTC)
S = AppointmentProgressStatus


@pytest.fixture(autouse=True)
def _clock(time_machine: Any) -> None:
    time_machine.move_to(MONDAY_NOON_UTC, tick=False)


def book(patient: Any, provider: Any, location: Any, note_type: Any, start: datetime, **extra: Any) -> Appointment:
    return services.book_appointment(
        actor=Actor.system("tests"),
        patient=patient,
        provider=provider,
        location=location,
        note_type=note_type,
        start_time=start,
        duration_minutes=30,
        status=S.CONFIRMED,
        **extra,
    )


@pytest.fixture
def visit(alice: Any, dr_patel: Any, boston: Any, office_visit: Any, patel_in_boston: Any) -> Appointment:
    """Alice sees Dr. Patel on Tuesday at 10:00 in Boston."""
    return book(alice, dr_patel, boston, office_visit, datetime(2026, 3, 3, 15, tzinfo=UTC), comment="Knee pain")


def put(api: Client, appointment: Appointment, resource: dict[str, Any], **headers: str) -> Any:
    return api.put(
        f"/fhir/Appointment/{appointment.id}",
        json.dumps(resource),
        content_type="application/fhir+json",
        headers=headers,
    )


def current(api: Client, appointment: Appointment) -> dict[str, Any]:
    return parse(api.get(f"/fhir/Appointment/{appointment.id}"))


def events(appointment: Appointment) -> list[str]:
    return list(OutboxEvent.objects.filter(target_id=str(appointment.id)).order_by("id").values_list("name", flat=True))


def test_it_moves_the_appointment_in_place(api: Client, visit: Appointment, oauth_client: Any) -> None:
    moved = current(api, visit) | {"start": "2026-03-03T11:00:00-05:00", "end": "2026-03-03T11:45:00-05:00"}

    response = put(api, visit, moved)

    assert response.status_code == 200
    assert response.content == b""
    visit.refresh_from_db()
    assert visit.start_time == datetime(2026, 3, 3, 16, tzinfo=UTC)
    assert visit.duration_minutes == 45
    assert Appointment.objects.count() == 1  # no linked copy: the portal's reschedule makes those
    assert events(visit) == ["APPOINTMENT_CREATED", "APPOINTMENT_UPDATED"]
    entry = AuditEntry.objects.filter(action="appointment.updated").get()
    assert oauth_client.client.client_id in entry.actor_label  # the API client is the actor
    assert entry.detail == {"fields": ["duration_minutes", "start_time"]}
    assert [i["type"] for i in current(api, visit)["supportingInformation"]] == ["Location"]  # no reschedule link


def test_it_keeps_what_the_body_omits(api: Client, visit: Appointment, boston: Any, dr_patel: Any) -> None:
    response = put(api, visit, {"status": "booked", "start": "2026-03-03T13:00:00-05:00"})

    assert response.status_code == 200
    visit.refresh_from_db()
    assert visit.start_time == datetime(2026, 3, 3, 18, tzinfo=UTC)
    assert visit.duration_minutes == 30  # only start sent: the visit keeps its length
    assert (visit.provider, visit.location, visit.comment) == (dr_patel, boston, "Knee pain")


def test_it_returns_the_updated_resource_when_asked(api: Client, visit: Appointment) -> None:
    response = put(api, visit, {"status": "booked", "description": "Bring X-rays"}, Prefer="return=representation")

    assert response.status_code == 200
    resource = parse(response)
    assert resource["description"] == "Bring X-rays"
    assert resource["reasonCode"] == [{"text": "Knee pain"}]


def test_it_refuses_a_move_onto_a_taken_time(
    api: Client, visit: Appointment, charlie: Any, dr_patel: Any, boston: Any, office_visit: Any
) -> None:
    other = book(charlie, dr_patel, boston, office_visit, datetime(2026, 3, 3, 17, tzinfo=UTC))

    response = put(
        api, visit, current(api, visit) | {"start": "2026-03-03T12:15:00-05:00", "end": "2026-03-03T12:45:00-05:00"}
    )

    assert response.status_code == 422
    issue = parse(response)["issue"][0]
    assert issue["code"] == "business-rule"
    assert issue["details"]["text"] == "This appointment time is no longer available."
    assert issue["expression"] == ["Appointment.start"]
    visit.refresh_from_db()
    assert visit.start_time == datetime(2026, 3, 3, 15, tzinfo=UTC)
    assert events(visit) == ["APPOINTMENT_CREATED"]
    assert other.start_time == datetime(2026, 3, 3, 17, tzinfo=UTC)


def test_a_move_may_overlap_its_own_old_time(api: Client, visit: Appointment) -> None:
    response = put(api, visit, {"status": "booked", "start": "2026-03-03T10:15:00-05:00"})

    assert response.status_code == 200


def test_it_moves_to_another_provider_only_when_that_provider_is_free(
    api: Client, visit: Appointment, nurse_lee: Any, boston: Any, charlie: Any, office_visit: Any
) -> None:
    nurse_lee.practice_locations.add(boston)
    book(charlie, nurse_lee, boston, office_visit, datetime(2026, 3, 3, 15, tzinfo=UTC))
    resource = current(api, visit)
    resource["participant"][0]["actor"]["reference"] = f"Practitioner/{nurse_lee.id}"

    taken = put(api, visit, resource)
    free = put(api, visit, resource | {"start": "2026-03-03T14:00:00-05:00", "end": "2026-03-03T14:30:00-05:00"})

    assert taken.status_code == 422
    assert free.status_code == 200, free.content
    visit.refresh_from_db()
    assert visit.provider == nurse_lee


def test_it_moves_to_another_location_where_the_provider_practises(
    api: Client, visit: Appointment, denver: Any, dr_patel: Any
) -> None:
    elsewhere = current(api, visit) | {"supportingInformation": [{"reference": f"Location/{denver.id}"}]}

    refused = put(api, visit, elsewhere)
    dr_patel.practice_locations.add(denver)
    accepted = put(api, visit, elsewhere)

    assert refused.status_code == 422
    assert parse(refused)["issue"][0]["expression"] == ["Appointment.supportingInformation"]
    assert accepted.status_code == 200
    visit.refresh_from_db()
    assert visit.location == denver
    assert current(api, visit)["start"] == "2026-03-03T08:00:00-07:00"  # shown in Denver's time


def test_it_refuses_to_give_the_appointment_to_another_patient(api: Client, visit: Appointment, charlie: Any) -> None:
    resource = current(api, visit)
    resource["participant"][1]["actor"]["reference"] = f"Patient/{charlie.id}"

    response = put(api, visit, resource)

    assert response.status_code == 422
    assert parse(response)["issue"][0]["expression"] == ["Appointment.participant"]
    visit.refresh_from_db()
    assert visit.patient is not None and visit.patient.first_name == "Alice"


@pytest.mark.parametrize(
    ("status", "stored", "names"),
    [
        ("proposed", S.UNCONFIRMED, ["APPOINTMENT_UPDATED"]),
        ("pending", S.ATTEMPTED, ["APPOINTMENT_UPDATED"]),
        ("arrived", S.ARRIVED, ["APPOINTMENT_CHECKED_IN"]),
        ("checked-in", S.ROOMED, ["APPOINTMENT_CHECKED_IN", "APPOINTMENT_UPDATED"]),
        ("fulfilled", S.EXITED, ["APPOINTMENT_UPDATED"]),
        ("noshow", S.NOSHOWED, ["APPOINTMENT_NO_SHOWED"]),
        ("cancelled", S.CANCELLED, ["APPOINTMENT_CANCELED"]),
    ],
)
def test_it_changes_the_status_through_the_scheduling_services(
    api: Client, visit: Appointment, status: str, stored: str, names: list[str]
) -> None:
    response = put(api, visit, current(api, visit) | {"status": status})

    assert response.status_code == 200, response.content
    visit.refresh_from_db()
    assert visit.status == stored
    assert events(visit) == ["APPOINTMENT_CREATED", *names]
    assert current(api, visit)["status"] == status


def test_it_checks_in_then_rooms_then_discharges(api: Client, visit: Appointment) -> None:
    for status in ("arrived", "checked-in", "fulfilled"):
        assert put(api, visit, {"status": status}).status_code == 200

    assert current(api, visit)["status"] == "fulfilled"
    assert events(visit) == [
        "APPOINTMENT_CREATED",
        "APPOINTMENT_CHECKED_IN",
        "APPOINTMENT_UPDATED",
        "APPOINTMENT_UPDATED",
    ]


def test_it_refuses_entered_in_error(api: Client, visit: Appointment) -> None:
    response = put(api, visit, current(api, visit) | {"status": "entered-in-error"})

    assert response.status_code == 400
    assert parse(response)["issue"][0]["expression"] == ["Appointment.status"]
    visit.refresh_from_db()
    assert visit.status == S.CONFIRMED


def test_a_cancelled_appointment_keeps_its_status(api: Client, visit: Appointment) -> None:
    assert put(api, visit, {"status": "cancelled"}).status_code == 200

    again = put(api, visit, {"status": "cancelled", "description": "Patient moved away"})
    booked = put(api, visit, {"status": "booked"})

    assert again.status_code == 200  # the status stays: other elements may still change
    assert booked.status_code == 422
    issue = parse(booked)["issue"][0]
    assert issue["details"]["text"] == "A cancelled appointment cannot be moved to another status."
    assert issue["expression"] == ["Appointment.status"]
    visit.refresh_from_db()
    assert visit.status == S.CANCELLED
    assert visit.description == "Patient moved away"


def test_a_cancel_that_also_moves_never_collides(
    api: Client, visit: Appointment, charlie: Any, dr_patel: Any, boston: Any, office_visit: Any
) -> None:
    book(charlie, dr_patel, boston, office_visit, datetime(2026, 3, 3, 17, tzinfo=UTC))

    response = put(api, visit, {"status": "cancelled", "start": "2026-03-03T12:00:00-05:00"})

    assert response.status_code == 200
    visit.refresh_from_db()
    assert visit.status == S.CANCELLED


def test_a_refused_status_change_undoes_the_move_in_the_same_request(api: Client, visit: Appointment) -> None:
    assert put(api, visit, {"status": "fulfilled"}).status_code == 200

    response = put(api, visit, {"status": "noshow", "start": "2026-03-03T14:00:00-05:00"})

    assert response.status_code == 422
    assert parse(response)["issue"][0]["details"]["text"] == "Only a booked appointment can be marked as a no-show."
    visit.refresh_from_db()
    assert (visit.status, visit.start_time) == (S.EXITED, datetime(2026, 3, 3, 15, tzinfo=UTC))


def test_it_tolerates_the_mobile_apps_cancel_of_a_telehealth_visit(
    api: Client, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any
) -> None:
    video = services.save_note_type(
        actor=Actor.system("tests"),
        note_type=NoteType(
            name="Video visit", code="VIDEO", system="INTERNAL", is_scheduleable=True, is_telehealth=True
        ),
    )
    dr_patel.personal_meeting_room_link = "https://meet.example.com/dr-patel"
    dr_patel.save()
    visit = book(alice, dr_patel, boston, video, datetime(2026, 3, 3, 15, tzinfo=UTC))
    read = current(api, visit)
    # Canvas's mobile app sends these elements only: no resourceType, no contained Endpoint.
    cancel = {k: read[k] for k in ("start", "end", "participant", "supportingInformation")} | {"status": "cancelled"}

    response = put(api, visit, cancel)

    assert response.status_code == 200, response.content
    visit.refresh_from_db()
    assert visit.status == S.CANCELLED
    assert visit.meeting_link == "https://meet.example.com/dr-patel"


def test_it_changes_the_meeting_link(api: Client, visit: Appointment) -> None:
    endpoint = {
        "resourceType": "Endpoint",
        "id": "appointment-meeting-endpoint-0",
        "status": "active",
        "connectionType": {},
        "payloadType": [{"coding": []}],
        "address": "https://meet.example.com/room-42",
    }
    resource = current(api, visit) | {"contained": [endpoint]}
    resource["supportingInformation"].append({"reference": "#appointment-meeting-endpoint-0", "type": "Endpoint"})

    response = put(api, visit, resource)

    assert response.status_code == 200
    assert current(api, visit)["contained"][0]["address"] == "https://meet.example.com/room-42"


def test_an_event_without_a_patient_must_send_its_appointment_type(
    api: Client, dr_patel: Any, boston: Any, patel_in_boston: Any
) -> None:
    meeting = services.save_note_type(
        actor=Actor.system("tests"),
        note_type=NoteType(
            name="Team meeting", code="MEET", system="INTERNAL", is_scheduleable=True, is_patient_required=False
        ),
    )
    event = book(None, dr_patel, boston, meeting, datetime(2026, 3, 3, 19, tzinfo=UTC))
    resource = current(api, event)

    missing = put(api, event, {k: v for k, v in resource.items() if k != "appointmentType"} | {"status": "cancelled"})
    sent = put(api, event, resource | {"status": "cancelled"})

    assert missing.status_code == 400
    assert parse(missing)["issue"][0]["expression"] == ["Appointment.appointmentType"]
    assert sent.status_code == 200


def test_it_refuses_a_type_that_cannot_be_scheduled_but_keeps_a_retired_one(
    api: Client, visit: Appointment, office_visit: Any
) -> None:
    services.save_note_type(
        actor=Actor.system("tests"),
        note_type=NoteType(name="Chart review", code="REVIEW", system="INTERNAL", is_scheduleable=False),
    )
    resource = current(api, visit)
    office_visit.is_scheduleable = False
    office_visit.save()

    kept = put(api, visit, resource | {"description": "Same type, retired since"})
    changed = put(api, visit, resource | {"appointmentType": {"coding": [{"system": "INTERNAL", "code": "REVIEW"}]}})

    assert kept.status_code == 200
    assert changed.status_code == 422
    assert parse(changed)["issue"][0]["details"]["text"] == "Note type: Chart review is not scheduleable"


@pytest.mark.parametrize(
    ("change", "element"),
    [
        ({"start": "tomorrow"}, "Appointment.start"),
        ({"end": "2026-03-03T09:00:00-05:00"}, "Appointment.end"),
        ({"id": "6c1a3a8e-0000-4000-8000-000000000000"}, "Appointment.id"),
        ({"resourceType": "Patient"}, "resourceType"),
        ({"participant": [{"actor": {"reference": "Practitioner/nobody"}, "status": "accepted"}]},
         "Appointment.participant[0].actor.reference"),
        ({"supportingInformation": [{"reference": "Location/nowhere"}]}, "Appointment.supportingInformation[0].reference"),
        ({"identifier": [{"system": "https://scheduler.example.com"}]}, "Appointment.identifier[0].value"),
        ({"description": ""}, "Appointment.description"),
    ],
)  # fmt: skip
def test_it_names_the_bad_element_and_changes_nothing(
    api: Client, visit: Appointment, change: dict[str, Any], element: str
) -> None:
    before = current(api, visit)

    response = put(
        api, visit, before | {"start": "2026-03-03T11:00:00-05:00", "end": "2026-03-03T11:30:00-05:00"} | change
    )

    assert response.status_code == 400
    assert parse(response)["issue"][0]["expression"] == [element]
    assert current(api, visit) == before
    assert events(visit) == ["APPOINTMENT_CREATED"]


def test_an_unchanged_body_changes_nothing(api: Client, visit: Appointment) -> None:
    before = current(api, visit)

    response = put(api, visit, before)

    assert response.status_code == 200
    assert current(api, visit) == before
    assert events(visit) == ["APPOINTMENT_CREATED"]


def test_an_appointment_entered_in_error_cannot_be_updated(api: Client, visit: Appointment, dr_patel: Any) -> None:
    Appointment.objects.filter(pk=visit.pk).update(entered_in_error=dr_patel.user)
    assert current(api, visit)["status"] == "entered-in-error"

    response = put(api, visit, {"status": "booked", "description": "Revived"})

    assert response.status_code == 422
    assert parse(response)["issue"][0]["details"]["text"] == "An appointment entered in error cannot be updated."
    visit.refresh_from_db()
    assert visit.description is None
