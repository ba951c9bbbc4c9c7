"""A patient books an open time: the booking is made by the patient's own user with their note as
the reason-for-visit comment; a time that is taken meanwhile, or was never open, is refused with
fresh times; a repeated request books once."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from constance.test import override_config

from frontdesk.audit.models import AuditEntry
from frontdesk.events.models import OutboxEvent
from frontdesk.plugins import hooks
from frontdesk.scheduling.models import Appointment, NoteType, ReasonForVisit
from frontdesk.scheduling.services import TAKEN

TUESDAY_9 = datetime(2025, 3, 4, 14, 0, tzinfo=UTC)  # 9:00 AM in New York


def search(practice: SimpleNamespace, **changes: str) -> dict[str, str]:
    return {
        "type": str(practice.office.unique_identifier),
        "location": str(practice.harbor.id),
        "provider": "",
        "date": "2025-03-03",
        **changes,
    }


def key_on(page: str) -> str:
    found = re.search(r'name="key" value="([0-9a-f]{32})"', page)
    assert found, "no request key on the page"
    return found.group(1)


def pick(practice: SimpleNamespace, page: str, provider: Any, start: datetime, **changes: str) -> dict[str, str]:
    """What the page posts when the patient presses the time's button."""
    return {
        **search(practice),
        "key": key_on(page),
        "slot": f"{provider.id}|{start.isoformat()}",
        "note": "",
        **changes,
    }


def slots_on(page: str) -> list[str]:
    return re.findall(r'name="slot" value="([^"]+)"', page)


def test_it_books_the_chosen_time_as_the_patient(
    alice_client: Any, alice: Any, practice: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    page = alice_client.get("/appointments/book/", search(practice)).content.decode()
    posted = pick(practice, page, practice.hopper, TUESDAY_9, note="My left knee hurts when I climb stairs.")

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post("/appointments/book/", posted, follow=True)

    assert response.redirect_chain == [("/appointments/", 302)]
    listed = response.content.decode()
    assert "Your Office visit with Dr. Grace Hopper, MD is booked for Tuesday, March 4, 2025 at 9:00 AM EST." in listed
    assert "Tuesday, March 4, 2025 · 9:00 AM EST" in listed
    booked = Appointment.objects.get(patient=alice)
    assert (booked.provider, booked.location, booked.note_type) == (practice.hopper, practice.harbor, practice.office)
    assert (booked.start_time, booked.duration_minutes) == (TUESDAY_9, 30)
    assert booked.comment == "My left knee hurts when I climb stairs."
    assert booked.idempotency_key == posted["key"]
    entry = AuditEntry.objects.get(action="appointment.created", target_id=str(booked.id))
    assert (entry.actor_kind, entry.actor_user_dbid, entry.actor_label) == (
        "patient",
        alice.user.pk,
        alice.user.audit_label,
    )
    assert OutboxEvent.objects.filter(name="APPOINTMENT_CREATED", target_id=str(booked.id)).exists()


def test_it_books_once_when_the_same_request_comes_twice(
    alice_client: Any, alice: Any, practice: SimpleNamespace
) -> None:
    page = alice_client.get("/appointments/book/", search(practice)).content.decode()
    posted = pick(practice, page, practice.hopper, TUESDAY_9)

    first = alice_client.post("/appointments/book/", posted)
    again = alice_client.post("/appointments/book/", posted)

    assert first.status_code == again.status_code == 302
    assert Appointment.objects.filter(patient=alice).count() == 1


def test_it_says_when_the_time_was_just_taken_and_shows_fresh_times(
    alice_client: Any, alice: Any, charlie: Any, practice: SimpleNamespace
) -> None:
    page = alice_client.get("/appointments/book/", search(practice)).content.decode()
    assert f"{practice.hopper.id}|{TUESDAY_9.isoformat()}" in slots_on(page)
    practice.book(charlie, TUESDAY_9)  # someone else was quicker
    posted = pick(practice, page, practice.hopper, TUESDAY_9, note="Knee")

    response = alice_client.post("/appointments/book/", posted)

    assert response.status_code == 409
    again = response.content.decode()
    assert TAKEN in again and 'role="alert"' in again
    assert f"{practice.hopper.id}|{TUESDAY_9.isoformat()}" not in slots_on(again)
    assert f"{practice.lovelace.id}|{TUESDAY_9.isoformat()}" in slots_on(again)
    assert key_on(again) != posted["key"]  # a new request, not the refused one again
    assert ">\nKnee</textarea>" in again  # the note is kept
    assert '<h2 id="slots-h" tabindex="-1" autofocus>' in again
    assert not Appointment.objects.filter(patient=alice).exists()


def test_it_never_books_a_time_that_is_not_open(alice_client: Any, alice: Any, practice: SimpleNamespace) -> None:
    page = alice_client.get("/appointments/book/", search(practice)).content.decode()
    not_open = [
        (practice.hopper.id, datetime(2025, 3, 4, 13, 0, tzinfo=UTC)),  # 8:00 AM, before hours
        (practice.hopper.id, datetime(2025, 3, 4, 14, 10, tzinfo=UTC)),  # 9:10 AM, off the grid
        (practice.hopper.id, datetime(2025, 3, 8, 14, 0, tzinfo=UTC)),  # Saturday
        (practice.hopper.id, datetime(2025, 3, 3, 12, 30, tzinfo=UTC)),  # 7:30 AM today, too soon
        ("0" * 32, TUESDAY_9),  # nobody
    ]
    for provider, start in not_open:
        posted = {**pick(practice, page, practice.hopper, start), "slot": f"{provider}|{start.isoformat()}"}
        response = alice_client.post("/appointments/book/", posted)
        assert response.status_code == 409, (provider, start)
        assert TAKEN in response.content.decode()

    assert not Appointment.objects.filter(patient=alice).exists()


def test_it_never_books_a_time_a_plugin_removed(
    alice_client: Any, alice: Any, practice: SimpleNamespace, plugins: SimpleNamespace
) -> None:
    page = alice_client.get("/appointments/book/", search(practice)).content.decode()
    plugins.answer(hooks.SLOTS, f"{hooks.SLOTS}_RESULTS", None)  # "null": no slots at all

    response = alice_client.post("/appointments/book/", pick(practice, page, practice.hopper, TUESDAY_9))

    assert response.status_code == 409
    assert "No open times this week" in response.content.decode()
    assert not Appointment.objects.filter(patient=alice).exists()


def test_it_explains_a_booking_it_cannot_take(alice_client: Any, alice: Any, practice: SimpleNamespace) -> None:
    page = alice_client.get("/appointments/book/", search(practice)).content.decode()
    good = pick(practice, page, practice.hopper, TUESDAY_9)
    cases = [
        ({"slot": ""}, 400, "Choose a time."),
        ({"slot": "garbage"}, 400, "Choose one of the times shown."),
        ({"slot": f"{practice.hopper.id}|2025-03-04T09:00:00"}, 400, "Choose one of the times shown."),  # no zone
        ({"note": "x" * 1001}, 400, "Ensure this value has at most 1000 characters (it has 1001)."),
        ({"key": "not-a-key"}, 400, "This form is out of date. Please choose a time again."),
        ({"type": "not-a-type"}, 400, "Choose one of the listed appointment type options."),
        ({"date": "2025-02-01"}, 400, "Choose today or a later date."),
    ]
    for change, status, message in cases:
        response = alice_client.post("/appointments/book/", {**good, **change})
        assert response.status_code == status, change
        assert message in response.content.decode(), change

    assert not Appointment.objects.filter(patient=alice).exists()
    assert alice_client.post("/appointments/book/", good).status_code == 302


def test_it_books_a_structured_reason_for_its_length(alice_client: Any, alice: Any, practice: SimpleNamespace) -> None:
    back = ReasonForVisit.objects.create(code="161891005", display="Back pain", durations=[15, 45])

    with override_config(STRUCTURED_REASON_FOR_VISIT=True):
        page = alice_client.get("/appointments/book/", search(practice, reason=f"{back.id}:45")).content.decode()
        posted = {**pick(practice, page, practice.lovelace, TUESDAY_9), "reason": f"{back.id}:45", "note": "ignored"}
        assert alice_client.post("/appointments/book/", posted).status_code == 302

    booked = Appointment.objects.get(patient=alice)
    assert (booked.reason_for_visit, booked.duration_minutes, booked.comment) == (back, 45, None)


def test_it_offers_booking_only_when_a_type_is_bookable_and_plugins_allow_it(
    alice_client: Any, practice: SimpleNamespace, plugins: SimpleNamespace
) -> None:
    assert alice_client.get("/appointments/book/").status_code == 200
    for page in ("/", "/appointments/"):
        assert 'href="/appointments/book/">Book an appointment</a>' in alice_client.get(page).content.decode()

    plugins.answer(
        hooks.APP_CONFIG, "PATIENT_PORTAL__APPLICATION_CONFIGURATION", {"data": {"can_schedule_appointments": False}}
    )
    assert alice_client.get("/appointments/book/").status_code == 404
    for page in ("/", "/appointments/"):
        assert "Book an appointment" not in alice_client.get(page).content.decode()

    plugins.table.clear()
    NoteType.objects.update(is_scheduleable_via_patient_portal=False)
    assert alice_client.get("/appointments/book/").status_code == 404
    assert alice_client.post("/appointments/book/", {}).status_code == 404
    for page in ("/", "/appointments/"):
        assert "Book an appointment" not in alice_client.get(page).content.decode()
