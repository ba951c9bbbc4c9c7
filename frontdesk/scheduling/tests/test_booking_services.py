"""Booking, cancelling, rescheduling, check-in, no-show and restore through the services:
availability → open slots → a booking that removes the slot; overlaps refused; retries book once;
every change audited and announced with Canvas's event names."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.events.models import OutboxEvent
from frontdesk.scheduling import search, services
from frontdesk.scheduling.models import (
    Appointment,
    AppointmentProgressStatus,
    Availability,
    AvailabilityException,
    NoteType,
)

NY = ZoneInfo("America/New_York")
MONDAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=NY)  # the Friday before
STAFF = Actor.system("tests")


@pytest.fixture
def weekday_hours(dr_patel: Any, boston: Any) -> Availability:
    dr_patel.practice_locations.add(boston)
    return services.save_availability(
        actor=STAFF,
        availability=Availability(
            provider=dr_patel,
            location=boston,
            weekdays=[0, 1, 2, 3, 4],
            start_date=date(2026, 1, 1),
            start_time=time(9),
            end_time=time(12),
        ),
    )


def _slots(note_type: NoteType, day: date = MONDAY) -> list[Any]:
    start = datetime.combine(day, time.min, tzinfo=NY)
    return search.open_slots(note_type=note_type, start=start, end=start + timedelta(days=1), now=NOW)


def _events(name: str) -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(name=name).order_by("id"))


@time_machine.travel(NOW, tick=False)
def test_it_offers_the_windows_slots_and_a_booking_takes_one(
    alice: Any, dr_patel: Any, boston: Any, office_visit: Any, weekday_hours: Any
) -> None:
    offered = _slots(office_visit)
    assert [s.start.astimezone(NY).strftime("%H:%M") for s in offered] == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
    ]

    appointment = services.book_appointment(
        actor=Actor.for_user(alice.user), patient=alice, provider=dr_patel, location=boston, note_type=office_visit,
        start_time=offered[1].start, comment="Cough for two weeks",
    )  # fmt: skip

    assert [s.start.astimezone(NY).strftime("%H:%M") for s in _slots(office_visit)] == [
        "09:00",
        "10:00",
        "10:30",
        "11:00",
        "11:30",
    ]
    assert (appointment.comment, appointment.duration_minutes, appointment.status) == (
        "Cough for two weeks",
        30,
        "unconfirmed",
    )
    created = AuditEntry.objects.get(action="appointment.created")
    assert (created.actor_kind, created.actor_label, created.patient_key) == (
        "patient",
        "patient:alice@example.com",
        alice.id,
    )
    [event] = _events("APPOINTMENT_CREATED")
    assert (event.target_id, event.target_type, event.context) == (
        str(appointment.id),
        "Appointment",
        {"patient": {"id": alice.id}},
    )


@time_machine.travel(NOW, tick=False)
def test_buffers_blocks_and_policy_shape_the_slots(
    alice: Any, dr_patel: Any, boston: Any, office_visit: Any, weekday_hours: Any
) -> None:
    office_visit.buffer_after_minutes = 15
    services.save_note_type(actor=STAFF, note_type=office_visit)
    services.save_availability_exception(
        actor=STAFF,
        exception=AvailabilityException(
            provider=dr_patel,
            kind="block",
            starts_at=datetime.combine(MONDAY, time(11), tzinfo=NY),
            ends_at=datetime.combine(MONDAY, time(12), tzinfo=NY),
        ),
    )
    services.book_appointment(
        actor=STAFF,
        patient=alice,
        provider=dr_patel,
        location=boston,
        note_type=office_visit,
        start_time=datetime.combine(MONDAY, time(9, 30), tzinfo=NY),
    )

    starts = [s.start.astimezone(NY).strftime("%H:%M") for s in _slots(office_visit)]

    assert starts == ["10:30"]  # 09:00 runs into 09:30's visit, 10:00 into its 15-minute buffer; 11:00 on is blocked


@time_machine.travel(NOW, tick=False)
def test_busy_time_is_read_to_the_microsecond(
    alice: Any, dr_patel: Any, boston: Any, office_visit: Any, weekday_hours: Any
) -> None:
    # Booked from outside (FHIR, an import) one microsecond after the half hour: it reaches into
    # 10:00's slot by a microsecond, which must not be rounded away.
    services.book_appointment(
        actor=STAFF, patient=alice, provider=dr_patel, location=boston, note_type=office_visit,
        start_time=datetime.combine(MONDAY, time(9, 30, 0, 1), tzinfo=NY),
    )  # fmt: skip

    starts = [s.start.astimezone(NY).strftime("%H:%M") for s in _slots(office_visit)]

    assert starts == ["09:00", "10:30", "11:00", "11:30"]


def test_a_provider_is_never_double_booked(
    alice: Any, charlie: Any, dr_patel: Any, boston: Any, office_visit: Any
) -> None:
    start = datetime(2026, 12, 7, 9, 0, tzinfo=NY)
    services.book_appointment(
        actor=STAFF, patient=alice, provider=dr_patel, location=None, note_type=office_visit, start_time=start
    )

    for offset in (0, 15, -15):
        with pytest.raises(services.SlotUnavailable, match=r"This appointment time is no longer available\."):
            services.book_appointment(
                actor=STAFF,
                patient=charlie,
                provider=dr_patel,
                location=None,
                note_type=office_visit,
                start_time=start + timedelta(minutes=offset),
            )

    back_to_back = services.book_appointment(
        actor=STAFF,
        patient=charlie,
        provider=dr_patel,
        location=None,
        note_type=office_visit,
        start_time=start + timedelta(minutes=30),
    )
    assert back_to_back.pk
    assert Appointment.objects.count() == 2


def test_a_retried_request_books_once(alice: Any, dr_patel: Any, office_visit: Any) -> None:
    start = datetime(2026, 12, 7, 9, 0, tzinfo=NY)
    first = services.book_appointment(
        actor=STAFF,
        patient=alice,
        provider=dr_patel,
        location=None,
        note_type=office_visit,
        start_time=start,
        idempotency_key="req-1",
    )
    again = services.book_appointment(
        actor=STAFF,
        patient=alice,
        provider=dr_patel,
        location=None,
        note_type=office_visit,
        start_time=start,
        idempotency_key="req-1",
    )

    assert first.pk == again.pk
    assert Appointment.objects.count() == 1
    assert len(_events("APPOINTMENT_CREATED")) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"is_scheduleable": False}, "note_type"),
        ({"is_patient_required": True, "_no_patient": True}, "patient"),
    ],
)
def test_it_refuses_bookings_the_clinic_does_not_offer(
    alice: Any, dr_patel: Any, office_visit: Any, change: dict[str, Any], field: str
) -> None:
    no_patient = change.pop("_no_patient", False)
    for name, value in change.items():
        setattr(office_visit, name, value)
    office_visit.is_scheduleable_via_patient_portal = (
        office_visit.is_scheduleable and office_visit.is_scheduleable_via_patient_portal
    )
    services.save_note_type(actor=STAFF, note_type=office_visit)

    with pytest.raises(ValidationError) as refused:
        services.book_appointment(
            actor=STAFF,
            patient=None if no_patient else alice,
            provider=dr_patel,
            location=None,
            note_type=office_visit,
            start_time=datetime(2026, 12, 7, 9, tzinfo=NY),
        )

    assert field in refused.value.message_dict
    assert not Appointment.objects.exists()


def test_other_events_block_time_without_a_patient(dr_patel: Any, alice: Any, office_visit: Any) -> None:
    meeting = services.save_note_type(
        actor=STAFF,
        note_type=NoteType(
            name="Staff meeting",
            category="schedule_event",
            is_scheduleable=True,
            is_patient_required=False,
            online_duration=60,
        ),
    )
    services.book_appointment(
        actor=STAFF,
        patient=None,
        provider=dr_patel,
        location=None,
        note_type=meeting,
        start_time=datetime(2026, 12, 7, 12, tzinfo=NY),
        description="Team huddle",
    )

    with pytest.raises(services.SlotUnavailable):
        services.book_appointment(
            actor=STAFF,
            patient=alice,
            provider=dr_patel,
            location=None,
            note_type=office_visit,
            start_time=datetime(2026, 12, 7, 12, 30, tzinfo=NY),
        )
    assert AuditEntry.objects.filter(action="event.created").exists()


def test_rescheduling_links_keeps_details_and_frees_the_old_time(
    alice: Any, charlie: Any, dr_patel: Any, boston: Any, office_visit: Any
) -> None:
    dr_patel.practice_locations.add(boston)
    old = services.book_appointment(
        actor=STAFF,
        patient=alice,
        provider=dr_patel,
        location=boston,
        note_type=office_visit,
        start_time=datetime(2026, 12, 7, 9, tzinfo=NY),
        comment="Follow-up",
    )

    new = services.reschedule_appointment(
        actor=Actor.for_user(alice.user),
        appointment=old,
        start_time=datetime(2026, 12, 8, 10, tzinfo=NY),
        via_portal=False,
    )

    old.refresh_from_db()
    assert (new.appointment_rescheduled_from_id, new.comment, new.location, new.provider) == (
        old.pk,
        "Follow-up",
        boston,
        dr_patel,
    )
    assert old.status == AppointmentProgressStatus.CANCELLED
    [moved] = _events("APPOINTMENT_RESCHEDULED")
    assert moved.target_id == str(new.id)
    services.book_appointment(
        actor=STAFF,
        patient=charlie,
        provider=dr_patel,
        location=boston,
        note_type=office_visit,
        start_time=datetime(2026, 12, 7, 9, tzinfo=NY),
    )


def test_a_failed_reschedule_changes_nothing(alice: Any, charlie: Any, dr_patel: Any, office_visit: Any) -> None:
    mine = services.book_appointment(
        actor=STAFF,
        patient=alice,
        provider=dr_patel,
        location=None,
        note_type=office_visit,
        start_time=datetime(2026, 12, 7, 9, tzinfo=NY),
    )
    services.book_appointment(
        actor=STAFF,
        patient=charlie,
        provider=dr_patel,
        location=None,
        note_type=office_visit,
        start_time=datetime(2026, 12, 8, 10, tzinfo=NY),
    )

    with pytest.raises(services.SlotUnavailable):
        services.reschedule_appointment(actor=STAFF, appointment=mine, start_time=datetime(2026, 12, 8, 10, tzinfo=NY))

    mine.refresh_from_db()
    assert mine.status == AppointmentProgressStatus.UNCONFIRMED
    assert Appointment.objects.count() == 2


@time_machine.travel(NOW, tick=False)
def test_portal_cut_offs_apply(alice: Any, dr_patel: Any, office_visit: Any) -> None:
    soon = services.book_appointment(
        actor=STAFF,
        patient=alice,
        provider=dr_patel,
        location=None,
        note_type=office_visit,
        start_time=NOW + timedelta(hours=3),
    )

    with pytest.raises(ValidationError, match="can no longer be cancelled online"):
        services.cancel_appointment(actor=Actor.for_user(alice.user), appointment=soon, via_portal=True)
    services.cancel_appointment(actor=STAFF, appointment=soon)  # the clinic can

    assert [e.name for e in OutboxEvent.objects.filter(name__contains="CANCELED")] == ["APPOINTMENT_CANCELED"]


def test_portal_cancel_announces_both_events(alice: Any, dr_patel: Any, office_visit: Any) -> None:
    appointment = services.book_appointment(
        actor=STAFF,
        patient=alice,
        provider=dr_patel,
        location=None,
        note_type=office_visit,
        start_time=datetime(2030, 1, 7, 9, tzinfo=NY),
    )

    services.cancel_appointment(actor=Actor.for_user(alice.user), appointment=appointment, via_portal=True)

    assert [e.name for e in OutboxEvent.objects.filter(name__contains="CANCELED").order_by("id")] == [
        "APPOINTMENT_CANCELED",
        "PATIENT_PORTAL__APPOINTMENT_CANCELED",
    ]


def test_check_in_no_show_and_restore(alice: Any, charlie: Any, dr_patel: Any, office_visit: Any) -> None:
    start = datetime(2026, 12, 7, 9, tzinfo=NY)
    first = services.book_appointment(
        actor=STAFF, patient=alice, provider=dr_patel, location=None, note_type=office_visit, start_time=start
    )
    second = services.book_appointment(
        actor=STAFF,
        patient=charlie,
        provider=dr_patel,
        location=None,
        note_type=office_visit,
        start_time=start + timedelta(hours=1),
    )

    services.check_in(actor=STAFF, appointment=first)
    services.mark_no_show(actor=STAFF, appointment=second)
    services.restore_appointment(actor=STAFF, appointment=second)
    services.cancel_appointment(actor=STAFF, appointment=second)
    services.book_appointment(
        actor=STAFF,
        patient=alice,
        provider=dr_patel,
        location=None,
        note_type=office_visit,
        start_time=start + timedelta(hours=1),
    )

    with pytest.raises(services.SlotUnavailable):
        services.restore_appointment(actor=STAFF, appointment=second)  # its time was taken meanwhile
    names = list(OutboxEvent.objects.filter(target_type="Appointment").order_by("id").values_list("name", flat=True))
    assert names == [
        "APPOINTMENT_CREATED",
        "APPOINTMENT_CREATED",
        "APPOINTMENT_CHECKED_IN",
        "APPOINTMENT_NO_SHOWED",
        "APPOINTMENT_RESTORED",
        "APPOINTMENT_CANCELED",
        "APPOINTMENT_CREATED",
    ]


def test_telehealth_visits_get_a_meeting_link(alice: Any, dr_patel: Any) -> None:
    video = services.save_note_type(
        actor=STAFF,
        note_type=NoteType(name="Video visit", is_scheduleable=True, is_telehealth=True, online_duration=20),
    )
    dr_patel.personal_meeting_room_link = "https://meet.example.com/dr-patel"
    dr_patel.save()

    appointment = services.book_appointment(
        actor=STAFF,
        patient=alice,
        provider=dr_patel,
        location=None,
        note_type=video,
        start_time=datetime(2026, 12, 7, 9, tzinfo=NY),
    )

    assert appointment.meeting_link == "https://meet.example.com/dr-patel"


@time_machine.travel(NOW, tick=False)
def test_a_reschedule_search_offers_times_overlapping_the_visit_being_moved(
    alice: Any, dr_patel: Any, boston: Any, office_visit: Any, weekday_hours: Any
) -> None:
    office_visit.slot_step_minutes = 15
    services.save_note_type(actor=STAFF, note_type=office_visit)
    visit = services.book_appointment(
        actor=STAFF,
        patient=alice,
        provider=dr_patel,
        location=boston,
        note_type=office_visit,
        start_time=datetime.combine(MONDAY, time(10), tzinfo=NY),
    )
    day = datetime.combine(MONDAY, time.min, tzinfo=NY)

    def starts(**kwargs: Any) -> list[str]:
        found = search.open_slots(note_type=office_visit, start=day, end=day + timedelta(days=1), now=NOW, **kwargs)
        return [s.start.astimezone(NY).strftime("%H:%M") for s in found]

    assert "10:15" not in starts()
    assert {"09:45", "10:00", "10:15"} <= set(starts(ignore=visit))

    moved = services.reschedule_appointment(
        actor=Actor.for_user(alice.user),
        appointment=visit,
        start_time=datetime.combine(MONDAY, time(10, 15), tzinfo=NY),
    )
    assert moved.start_time == datetime.combine(MONDAY, time(10, 15), tzinfo=NY)
