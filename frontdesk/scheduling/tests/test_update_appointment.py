"""Changing an appointment in place (`update_appointment`, the FHIR update's service) and moving it
along its progress (`set_appointment_status`): the booking's overlap guarantee, rules, audit, events."""

from __future__ import annotations

import itertools
import threading
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Staff
from frontdesk.clinic.services import save_staff
from frontdesk.events.models import OutboxEvent
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Appointment, AppointmentExternalIdentifier, NoteType
from frontdesk.scheduling.models import AppointmentProgressStatus as S

NY = ZoneInfo("America/New_York")
NINE = datetime(2026, 12, 7, 9, tzinfo=NY)
STAFF = Actor.system("tests")


def book(patient: Any, provider: Any, note_type: Any, start: datetime, **extra: Any) -> Appointment:
    return services.book_appointment(
        actor=STAFF,
        patient=patient,
        provider=provider,
        location=None,
        note_type=note_type,
        start_time=start,
        duration_minutes=30,
        **extra,
    )


def events(appointment: Appointment) -> list[str]:
    return list(OutboxEvent.objects.filter(target_id=str(appointment.id)).order_by("id").values_list("name", flat=True))


@pytest.fixture
def visit(alice: Any, dr_patel: Any, office_visit: Any) -> Appointment:
    return book(alice, dr_patel, office_visit, NINE)


def test_it_moves_in_place_and_says_so(visit: Appointment) -> None:
    moved = services.update_appointment(
        actor=STAFF, appointment=visit, start_time=NINE + timedelta(hours=2), duration_minutes=45
    )

    assert (moved.pk, moved.start_time, moved.duration_minutes) == (visit.pk, NINE + timedelta(hours=2), 45)
    assert events(visit) == ["APPOINTMENT_CREATED", "APPOINTMENT_UPDATED"]
    entry = AuditEntry.objects.get(action="appointment.updated")
    assert entry.detail == {"fields": ["duration_minutes", "start_time"]}
    assert entry.patient_key == visit.patient.id  # type: ignore[union-attr]


def test_nothing_changed_records_nothing(visit: Appointment) -> None:
    services.update_appointment(actor=STAFF, appointment=visit, start_time=NINE, comment=None)

    assert events(visit) == ["APPOINTMENT_CREATED"]
    assert not AuditEntry.objects.filter(action="appointment.updated").exists()


def test_a_move_onto_another_appointment_is_refused(
    visit: Appointment, charlie: Any, dr_patel: Any, office_visit: Any
) -> None:
    book(charlie, dr_patel, office_visit, NINE + timedelta(hours=1))

    with pytest.raises(services.SlotUnavailable):
        services.update_appointment(actor=STAFF, appointment=visit, start_time=NINE + timedelta(minutes=45))
    with pytest.raises(services.SlotUnavailable):
        services.update_appointment(actor=STAFF, appointment=visit, duration_minutes=90)

    visit.refresh_from_db()
    assert (visit.start_time, visit.duration_minutes) == (NINE, 30)
    assert events(visit) == ["APPOINTMENT_CREATED"]


def test_a_cancelled_appointment_holds_no_time(
    visit: Appointment, charlie: Any, dr_patel: Any, office_visit: Any
) -> None:
    book(charlie, dr_patel, office_visit, NINE + timedelta(hours=1))
    services.cancel_appointment(actor=STAFF, appointment=visit)

    moved = services.update_appointment(actor=STAFF, appointment=visit, start_time=NINE + timedelta(hours=1))

    assert moved.start_time == NINE + timedelta(hours=1)


def test_a_new_provider_must_be_free_and_practise_there(
    alice: Any, charlie: Any, dr_patel: Any, boston: Any, office_visit: Any
) -> None:
    dr_patel.practice_locations.add(boston)
    lee = save_staff(actor=STAFF, staff=Staff(first_name="Sam", last_name="Lee", is_schedulable=True))
    visit = services.book_appointment(
        actor=STAFF, patient=alice, provider=dr_patel, location=boston, note_type=office_visit, start_time=NINE
    )

    with pytest.raises(ValidationError) as refused:
        services.update_appointment(actor=STAFF, appointment=visit, provider=lee)
    lee.practice_locations.add(boston)
    book(charlie, lee, office_visit, NINE)
    with pytest.raises(services.SlotUnavailable):
        services.update_appointment(actor=STAFF, appointment=visit, provider=lee)

    assert "location" in refused.value.error_dict
    visit.refresh_from_db()
    assert visit.provider == dr_patel


def test_only_the_rules_about_what_changed_apply(visit: Appointment, office_visit: NoteType) -> None:
    office_visit.is_scheduleable = office_visit.is_scheduleable_via_patient_portal = False  # retired since
    office_visit.save()
    review = services.save_note_type(actor=STAFF, note_type=NoteType(name="Chart review"))

    services.update_appointment(
        actor=STAFF, appointment=visit, description="Still on", start_time=NINE + timedelta(hours=3)
    )
    with pytest.raises(ValidationError) as refused:
        services.update_appointment(actor=STAFF, appointment=visit, note_type=review)

    assert "note_type" in refused.value.error_dict


def test_identifiers_are_replaced_but_expired_ones_kept(
    time_machine: Any, alice: Any, dr_patel: Any, office_visit: Any
) -> None:
    time_machine.move_to(datetime(2026, 12, 1, 12, tzinfo=NY), tick=False)
    visit = book(
        alice, dr_patel, office_visit, NINE,
        identifiers=[
            services.NewIdentifier(value="A", system="s"),
            services.NewIdentifier(value="B", system="s"),
            services.NewIdentifier(value="OLD", system="s", issued_date=date(2020, 1, 1), expiration_date=date(2026, 11, 30)),
        ],
    )  # fmt: skip
    time_machine.move_to(datetime(2026, 12, 2, 12, tzinfo=NY), tick=False)

    services.update_appointment(
        actor=STAFF,
        appointment=visit,
        identifiers=[services.NewIdentifier(value="A", system="s", assigner="Acme"), services.NewIdentifier(value="C")],
    )

    stored = {(i.system, i.value, i.assigner) for i in AppointmentExternalIdentifier.objects.filter(appointment=visit)}
    assert stored == {("s", "A", "Acme"), ("", "C", ""), ("s", "OLD", "")}
    visit.refresh_from_db()
    assert visit.modified == datetime(2026, 12, 2, 12, tzinfo=NY)  # what If-Unmodified-Since compares
    assert AuditEntry.objects.get(action="appointment.updated").detail == {"fields": ["identifiers"]}
    assert events(visit) == ["APPOINTMENT_CREATED", "APPOINTMENT_UPDATED"]


@pytest.mark.parametrize(
    "identifiers",
    [
        [services.NewIdentifier(value="A"), services.NewIdentifier(value="A")],
        [services.NewIdentifier(value="A", issued_date=date(2027, 1, 1), expiration_date=date(2026, 1, 1))],
        [services.NewIdentifier(value="")],
        [services.NewIdentifier(value="A", use="primary")],
    ],
)
def test_bad_identifiers_are_refused(alice: Any, dr_patel: Any, office_visit: Any, identifiers: Any) -> None:
    with pytest.raises(ValidationError):
        book(alice, dr_patel, office_visit, NINE, identifiers=identifiers)

    assert Appointment.objects.count() == 0


def test_a_given_meeting_link_wins_over_the_default(alice: Any, dr_patel: Any) -> None:
    video = services.save_note_type(
        actor=STAFF, note_type=NoteType(name="Video visit", is_scheduleable=True, is_telehealth=True)
    )
    dr_patel.personal_meeting_room_link = "https://meet.example.com/dr-patel"
    dr_patel.save()

    given = book(alice, dr_patel, video, NINE, meeting_link="https://meet.example.com/room-42")
    default = book(alice, dr_patel, video, NINE + timedelta(hours=1))

    assert given.meeting_link == "https://meet.example.com/room-42"
    assert default.meeting_link == "https://meet.example.com/dr-patel"


def test_an_appointment_entered_in_error_cannot_change(visit: Appointment, dana: Any) -> None:
    Appointment.objects.filter(pk=visit.pk).update(entered_in_error=dana)

    with pytest.raises(ValidationError):
        services.update_appointment(actor=STAFF, appointment=visit, description="x")
    with pytest.raises(ValidationError):
        services.set_appointment_status(actor=STAFF, appointment=visit, status=S.CONFIRMED)


def test_it_moves_the_status_along(visit: Appointment) -> None:
    for status in (S.CONFIRMED, S.ARRIVED, S.ROOMED, S.EXITED, S.EXITED):
        services.set_appointment_status(actor=STAFF, appointment=visit, status=status)

    visit.refresh_from_db()
    assert visit.status == S.EXITED
    assert events(visit) == ["APPOINTMENT_CREATED", *["APPOINTMENT_UPDATED"] * 4]
    changes = AuditEntry.objects.filter(action="appointment.status_changed").order_by("id")
    assert [(e.detail["previous"], e.detail["status"]) for e in changes] == [
        ("unconfirmed", "confirmed"),
        ("confirmed", "arrived"),
        ("arrived", "roomed"),
        ("roomed", "exited"),
    ]


@pytest.mark.parametrize("status", [S.CANCELLED, S.NOSHOWED, "waitlist"])
def test_cancel_and_no_show_have_their_own_services(visit: Appointment, status: str) -> None:
    with pytest.raises(ValidationError):
        services.set_appointment_status(actor=STAFF, appointment=visit, status=status)


def test_a_cancelled_appointment_keeps_its_status(visit: Appointment) -> None:
    services.cancel_appointment(actor=STAFF, appointment=visit)

    with pytest.raises(ValidationError, match=r"A cancelled appointment cannot be moved to another status\."):
        services.set_appointment_status(actor=STAFF, appointment=visit, status=S.CONFIRMED)


@pytest.mark.django_db(transaction=True)
def test_two_moves_racing_for_one_time_never_overlap(
    alice: Any, charlie: Any, dr_patel: Any, office_visit: Any
) -> None:
    rounds = 6
    first = [book(alice, dr_patel, office_visit, NINE + timedelta(hours=2 * r)) for r in range(rounds)]
    second = [book(charlie, dr_patel, office_visit, NINE + timedelta(hours=2 * r, minutes=30)) for r in range(rounds)]
    barrier = threading.Barrier(2)
    moved: list[str] = []
    lock = threading.Lock()

    def mover(mine: list[Appointment], name: str) -> None:
        try:
            for r, appointment in enumerate(mine):
                barrier.wait()
                try:
                    services.update_appointment(
                        actor=STAFF, appointment=appointment, start_time=NINE + timedelta(hours=2 * r, minutes=60)
                    )
                except services.SlotUnavailable:
                    continue
                with lock:
                    moved.append(name)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=mover, args=(a, n)) for a, n in ((first, "alice"), (second, "charlie"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert len(moved) == rounds  # one winner per round
    live = list(Appointment.objects.live().filter(provider=dr_patel).order_by("start_time"))
    assert all(a.end_time <= b.start_time for a, b in itertools.pairwise(live))
