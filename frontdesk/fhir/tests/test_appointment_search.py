"""Appointment search with Canvas's parameters (reference §1.3): appointment-type, identifier,
location, _sort; reschedule links and meeting Endpoints in results; a constant number of queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from frontdesk.audit.services import Actor
from frontdesk.fhir.tests.conftest import parse
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Appointment, AppointmentProgressStatus, NoteType

TUESDAY_10_BOSTON = datetime(2026, 3, 3, 15, tzinfo=UTC)
STAFF = Actor.system("tests")


@pytest.fixture(autouse=True)
def _clock(time_machine: Any) -> None:
    time_machine.move_to(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False)


@pytest.fixture
def video_visit(db: Any) -> NoteType:
    return services.save_note_type(
        actor=STAFF,
        note_type=NoteType(name="Video visit", code="VIDEO", system="", is_scheduleable=True, is_telehealth=True),
    )


def book(patient: Any, provider: Any, location: Any, note_type: Any, start: datetime, **extra: Any) -> Appointment:
    return services.book_appointment(
        actor=STAFF,
        patient=patient,
        provider=provider,
        location=location,
        note_type=note_type,
        start_time=start,
        duration_minutes=30,
        status=AppointmentProgressStatus.CONFIRMED,
        **extra,
    )


def ids(api: Client, query: str) -> list[str]:
    response = api.get(f"/fhir/Appointment?{query}")
    assert response.status_code == 200, response.content
    return [e["resource"]["id"] for e in parse(response).get("entry", [])]


@pytest.fixture
def day(
    alice: Any,
    charlie: Any,
    dr_patel: Any,
    nurse_lee: Any,
    boston: Any,
    denver: Any,
    office_visit: Any,
    video_visit: Any,
) -> list[Appointment]:
    """Alice with Dr. Patel in Boston at 10:00, Charlie by video with Sam Lee in Denver at 9:00,
    Charlie with Dr. Patel in Boston at 11:00."""
    dr_patel.practice_locations.add(boston)
    nurse_lee.practice_locations.add(denver)
    return [
        book(alice, dr_patel, boston, office_visit, TUESDAY_10_BOSTON),
        book(charlie, nurse_lee, denver, video_visit, TUESDAY_10_BOSTON - timedelta(hours=1), meeting_link="https://meet.example.com/lee"),
        book(charlie, dr_patel, boston, office_visit, TUESDAY_10_BOSTON + timedelta(hours=1)),
    ]  # fmt: skip


def test_it_searches_by_appointment_type(api: Client, day: list[Appointment]) -> None:
    alice_visit, video, charlie_visit = (str(a.id) for a in day)

    assert ids(api, "appointment-type=185389009") == [alice_visit, charlie_visit]
    assert ids(api, "appointment-type=http://snomed.info/sct|185389009") == [alice_visit, charlie_visit]
    assert ids(api, "appointment-type=INTERNAL|VIDEO") == [video]  # a type without a system reads as INTERNAL
    assert ids(api, "appointment-type=VIDEO,185389009") == [video, alice_visit, charlie_visit]
    assert ids(api, "appointment-type=http://snomed.info/sct|VIDEO") == []


def test_it_searches_by_location(api: Client, day: list[Appointment], boston: Any, denver: Any) -> None:
    alice_visit, video, charlie_visit = (str(a.id) for a in day)

    assert ids(api, f"location=Location/{boston.id}") == [alice_visit, charlie_visit]
    assert ids(api, f"location={denver.id}") == [video]
    assert ids(api, f"location=Location/{denver.dbid}") == [video]  # Canvas's app sends the small id
    assert ids(api, "location=Location/nowhere") == []


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("date", [1, 0, 2]),
        ("-date", [2, 0, 1]),
        ("patient", [0, 1, 2]),  # Adams before Chen; Chen's in date order
        ("-patient", [1, 2, 0]),
        ("practitioner", [1, 0, 2]),  # Lee before Patel
        ("-practitioner,-date", [2, 0, 1]),
    ],
)
def test_it_sorts(api: Client, day: list[Appointment], sort: str, order: list[int]) -> None:
    assert ids(api, f"_sort={sort}") == [str(day[i].id) for i in order]


@pytest.mark.parametrize("query", ["_sort=start", "_sort=-", "_sort=date&_sort=patient", "location=Practitioner/1"])
def test_it_refuses_bad_values(api: Client, db: Any, query: str) -> None:
    response = api.get(f"/fhir/Appointment?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in parse(response)["issue"][0]["diagnostics"]


def test_it_shows_the_meeting_endpoint(api: Client, day: list[Appointment]) -> None:
    bundle = parse(api.get(f"/fhir/Appointment?_id={day[1].id}"))

    resource = bundle["entry"][0]["resource"]
    assert resource["contained"][0]["address"] == "https://meet.example.com/lee"
    assert resource["contained"][0]["connectionType"] == {"code": "https"}
    assert resource["contained"][0]["payloadType"] == [{"coding": [{"code": "video-call"}]}]
    assert {"reference": "#appointment-meeting-endpoint-0", "type": "Endpoint"} in resource["supportingInformation"]


def test_it_links_a_rescheduled_appointment_both_ways(api: Client, day: list[Appointment]) -> None:
    old = day[0]
    new = services.reschedule_appointment(
        actor=STAFF, appointment=old, start_time=TUESDAY_10_BOSTON + timedelta(days=1)
    )

    bundle = parse(api.get(f"/fhir/Appointment?_id={old.id},{new.id}"))

    by_id = {e["resource"]["id"]: e["resource"] for e in bundle["entry"]}
    assert by_id[str(old.id)]["status"] == "cancelled"
    assert by_id[str(old.id)]["supportingInformation"][1:] == [
        {"reference": f"Appointment/{new.id}", "type": "Appointment", "display": "Rescheduled Replacement Appointment"}
    ]
    assert by_id[str(new.id)]["supportingInformation"][1:] == [
        {"reference": f"Appointment/{old.id}", "type": "Appointment", "display": "Previously Rescheduled Appointment"}
    ]


def test_a_page_costs_the_same_number_of_queries_however_full(
    api: Client, day: list[Appointment], dr_patel: Any, alice: Any, boston: Any, office_visit: Any,
    django_assert_num_queries: Any,
) -> None:  # fmt: skip
    def page(count: int, queries: int) -> int:
        with django_assert_num_queries(queries):  # token, page with its total (+ identifiers, when a row has some)
            bundle = parse(api.get(f"/fhir/Appointment?_count={count}"))
        return len(bundle["entry"])

    assert page(1, 2) == 1
    services.reschedule_appointment(actor=STAFF, appointment=day[0], start_time=TUESDAY_10_BOSTON + timedelta(days=1))
    for hour in range(5):
        book(alice, dr_patel, boston, office_visit, TUESDAY_10_BOSTON + timedelta(days=2, hours=hour),
             identifiers=[services.NewIdentifier(value=f"B-{hour}", system="https://scheduler.example.com")])  # fmt: skip
    assert page(100, 3) == 9


@pytest.mark.parametrize(
    ("query", "entries"),
    [("_count=2", 2), ("_count=2&_offset=2", 1), ("_count=0", 0), ("_count=2&_offset=50", 0), ("status=noshow", 0)],
)
def test_the_total_is_the_same_whichever_page_carries_it(
    api: Client, day: list[Appointment], query: str, entries: int
) -> None:
    everything = parse(api.get("/fhir/Appointment"))["total"]
    bundle = parse(api.get(f"/fhir/Appointment?{query}"))

    assert len(bundle.get("entry", [])) == entries
    assert bundle["total"] == (0 if query == "status=noshow" else everything)
