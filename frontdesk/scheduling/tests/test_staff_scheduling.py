"""Staff scheduling in the back office: calendars, actions, booking refusals shown on the form,
calendar feeds out (busy-only carries no patient information) and in (synced into blocks)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from frontdesk.audit.services import Actor
from frontdesk.scheduling import search, services
from frontdesk.scheduling.models import (
    Appointment,
    AppointmentProgressStatus,
    Availability,
    AvailabilityException,
    CalendarExport,
    CalendarFeed,
)

NY = ZoneInfo("America/New_York")
STAFF = Actor.system("tests")
ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:dentist-1
DTSTART;TZID=America/New_York:20261207T100000
DTEND;TZID=America/New_York:20261207T110000
SUMMARY:Dentist
END:VEVENT
BEGIN:VEVENT
UID:weekly-1
DTSTART;TZID=America/New_York:20261208T090000
DTEND;TZID=America/New_York:20261208T093000
RRULE:FREQ=WEEKLY;COUNT=3
SUMMARY:Admin time
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def booked(alice: Any, dr_patel: Any, boston: Any, office_visit: Any) -> Appointment:
    dr_patel.practice_locations.add(boston)
    return services.book_appointment(
        actor=STAFF,
        patient=alice,
        provider=dr_patel,
        location=boston,
        note_type=office_visit,
        start_time=datetime(2026, 12, 7, 9, tzinfo=NY),
        comment="Chest pain",
    )


def test_the_week_calendar_shows_a_providers_bookings(
    dana_client: Any, booked: Appointment, dr_patel: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(15):
        page = dana_client.get(
            reverse("admin:scheduling_calendar"), {"provider": dr_patel.pk, "date": "2026-12-09"}
        ).content.decode()

    assert "Mon 7 Dec" in page and "09:00" in page and "Alice Anders" in page and "America/New_York" in page


def test_the_day_calendar_per_location(dana_client: Any, booked: Appointment, boston: Any) -> None:
    page = dana_client.get(
        reverse("admin:scheduling_calendar"), {"location": boston.pk, "date": "2026-12-07", "view": "day"}
    ).content.decode()

    assert "Alice Anders" in page and "Tue 8 Dec" not in page


@pytest.mark.parametrize(
    ("action", "status"), [("check_in", "arrived"), ("mark_no_show", "noshowed"), ("cancel", "cancelled")]
)
def test_staff_actions(dana_client: Any, booked: Appointment, action: str, status: str) -> None:
    dana_client.post(
        reverse("admin:scheduling_appointment_changelist"), {"action": action, "_selected_action": [booked.pk]}
    )

    booked.refresh_from_db()
    assert booked.status == status


def test_the_add_form_refuses_a_double_booking(
    dana_client: Any, booked: Appointment, charlie: Any, dr_patel: Any, office_visit: Any
) -> None:
    response = dana_client.post(
        reverse("admin:scheduling_appointment_add"),
        {
            "patient": charlie.pk,
            "provider": dr_patel.pk,
            "note_type": office_visit.pk,
            "start_time_0": "2026-12-07",
            "start_time_1": "14:15:00",
            "duration_minutes": 30,
        },
    )

    assert "This appointment time is no longer available." in response.content.decode()
    assert Appointment.objects.count() == 1


def test_staff_book_other_events_from_the_add_form(dana_client: Any, dr_patel: Any) -> None:
    from frontdesk.scheduling.models import NoteType

    meeting = services.save_note_type(
        actor=STAFF,
        note_type=NoteType(name="Meeting", category="schedule_event", is_scheduleable=True, is_patient_required=False),
    )
    response = dana_client.post(
        reverse("admin:scheduling_appointment_add"),
        {
            "provider": dr_patel.pk,
            "note_type": meeting.pk,
            "start_time_0": "2026-12-07",
            "start_time_1": "17:00:00",
            "duration_minutes": 60,
            "description": "Huddle",
        },
    )

    assert response.status_code == 302
    event = Appointment.objects.get()
    assert (event.patient, event.description) == (None, "Huddle")


@pytest.mark.parametrize("busy_only", [True, False])
def test_the_provider_feed(client: Any, booked: Appointment, dr_patel: Any, busy_only: bool) -> None:
    export = CalendarExport.objects.create(provider=dr_patel, token="secret-token-123", busy_only=busy_only)

    response = client.get(reverse("scheduling:provider_feed", args=[export.token]))
    body = response.content.decode()

    assert response["Content-Type"].startswith("text/calendar")
    assert "DTSTART:20261207T140000Z" in body
    assert ("Alice" in body or "Chest pain" in body) is (not busy_only)
    assert client.get(reverse("scheduling:provider_feed", args=["wrong"])).status_code == 404


def test_a_synced_calendar_blocks_time_and_a_broken_one_keeps_the_last_import(
    dr_patel: Any, boston: Any, office_visit: Any
) -> None:
    dr_patel.practice_locations.add(boston)
    services.save_availability(
        actor=STAFF,
        availability=Availability(
            provider=dr_patel,
            location=boston,
            weekdays=[0, 1],
            start_date=date(2026, 1, 1),
            start_time=time(9),
            end_time=time(12),
        ),
    )
    feed = services.save_calendar_feed(
        actor=STAFF, feed=CalendarFeed(provider=dr_patel, name="Personal", purpose="busy", content=ICS)
    )
    now = datetime(2026, 12, 1, 12, tzinfo=NY)

    result = services.sync_calendar_feed(actor=STAFF, feed=feed, now=now)

    assert (result.created, result.error) == (4, "")
    day = datetime.combine(date(2026, 12, 7), time.min, tzinfo=NY)
    offered = search.open_slots(note_type=office_visit, start=day, end=day + timedelta(days=2), now=now)
    by_day: dict[int, list[str]] = {}
    for slot in offered:
        local = slot.start.astimezone(NY)
        by_day.setdefault(local.day, []).append(local.strftime("%H:%M"))
    assert by_day[7] == ["09:00", "09:30", "11:00", "11:30"]  # Monday: the dentist at 10:00-11:00
    assert by_day[8] == ["09:30", "10:00", "10:30", "11:00", "11:30"]  # Tuesday: weekly admin time at 09:00
    feed.content = "not a calendar"
    feed.save()
    broken = services.sync_calendar_feed(actor=STAFF, feed=feed, now=now)
    feed.refresh_from_db()
    assert broken.error and feed.last_error == broken.error
    assert AvailabilityException.objects.filter(calendar=feed).count() == 4


def test_feed_addresses_must_be_https(dr_patel: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.save_calendar_feed(
            actor=STAFF, feed=CalendarFeed(provider=dr_patel, name="Plain", url="http://calendar.example/x.ics")
        )
    feed = services.save_calendar_feed(
        actor=STAFF,
        feed=CalendarFeed(provider=dr_patel, name="Google", url="webcal://calendar.example/private-abc/basic.ics"),
    )
    assert feed.url == "https://calendar.example/private-abc/basic.ics"


def test_restored_and_rescheduled_statuses_show(booked: Appointment) -> None:
    services.cancel_appointment(actor=STAFF, appointment=booked)
    services.restore_appointment(actor=STAFF, appointment=booked)
    booked.refresh_from_db()
    assert booked.status == AppointmentProgressStatus.UNCONFIRMED


def test_reasons_for_visit_refuse_bad_durations_on_the_form(dana_client: Any) -> None:
    from frontdesk.scheduling.models import ReasonForVisit

    url = reverse("admin:scheduling_reasonforvisit_add")
    bad = dana_client.post(
        url,
        {
            "code": "R1",
            "system": "http://snomed.info/sct",
            "display": "Cough",
            "durations": "[15, -5]",
            "is_active": "on",
        },
    )
    assert "Durations are whole minutes between 1 and 480" in bad.content.decode()
    assert not ReasonForVisit.objects.exists()

    dana_client.post(
        url,
        {
            "code": "R1",
            "system": "http://snomed.info/sct",
            "display": "Cough",
            "durations": "[30, 15, 30]",
            "is_active": "on",
        },
    )
    assert ReasonForVisit.objects.get().durations == [15, 30]


def test_a_published_calendar_gets_a_secret_address(dana_client: Any, dr_patel: Any) -> None:
    dana_client.post(reverse("admin:scheduling_calendarexport_add"), {"provider": dr_patel.pk, "busy_only": "on"})

    export = CalendarExport.objects.get()
    assert len(export.token) >= 40
    assert (
        "/calendars/"
        in dana_client.get(reverse("admin:scheduling_calendarexport_change", args=[export.pk])).content.decode()
    )
