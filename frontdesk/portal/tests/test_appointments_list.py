"""A patient sees their upcoming and past appointments, each card with the buttons the clinic's
policy allows and no plugin forbids (Join, Reschedule, Cancel)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from constance.test import override_config

from frontdesk.plugins import hooks
from frontdesk.scheduling.models import Appointment
from frontdesk.scheduling.services import cancel_appointment

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)  # the practice fixture's clock: 7:00 AM in New York


def card(page: str, appointment: Appointment) -> str:
    """The HTML of one appointment's card."""
    found = re.search(rf'aria-labelledby="appt-{appointment.id}">(.*?)</article>', page, re.S)
    assert found, f"no card for {appointment}"
    return found.group(1)


def buttons(page: str, appointment: Appointment) -> list[str]:
    return re.findall(r'class="button[^"]*"[^>]*>([^<]+)<', card(page, appointment))


def sections(page: str) -> tuple[str, str]:
    upcoming, past = page.split('id="past-h"')
    return upcoming, past


def test_it_lists_upcoming_and_past_appointments_in_the_patients_time_zone(
    alice_client: Any, alice: Any, charlie: Any, practice: SimpleNamespace
) -> None:
    office = practice.book(alice, datetime(2025, 3, 5, 15, 0, tzinfo=UTC))
    practice.book(alice, datetime(2025, 3, 6, 15, 0, tzinfo=UTC), note_type=practice.video, provider=practice.lovelace)
    practice.book(alice, datetime(2025, 2, 24, 19, 30, tzinfo=UTC))
    dropped = practice.book(alice, datetime(2025, 3, 7, 15, 0, tzinfo=UTC), provider=practice.lovelace)
    cancel_appointment(actor=practice.desk, appointment=dropped)
    practice.book(charlie, datetime(2025, 3, 10, 15, 0, tzinfo=UTC))

    response = alice_client.get("/appointments/")

    assert response.status_code == 200
    page = response.content.decode()
    upcoming, past = sections(page)
    assert "Times are shown in your time zone, America/New_York." in page
    office_card = card(page, office)
    assert "<h3" in office_card and "Office visit</h3>" in office_card
    assert "Wednesday, March 5, 2025 · 10:00 AM EST" in office_card
    assert "With Dr. Grace Hopper, MD · Harbor Clinic" in office_card
    assert "Video visit" not in office_card
    assert "Thursday, March 6, 2025 · 10:00 AM EST" in upcoming
    assert '<span class="badge telehealth">Video visit</span>' in upcoming
    assert "February 24, 2025 · 2:30 PM EST" in past and "February 24" not in upcoming
    assert "March 7" not in page  # cancelled
    assert "March 10" not in page  # Charlie's


def test_it_says_when_there_is_nothing_to_list(alice_client: Any, practice: SimpleNamespace) -> None:
    page = alice_client.get("/appointments/").content.decode()

    assert "You have no upcoming appointments." in page and "You have no past appointments." in page


def test_it_offers_cancel_and_reschedule_only_before_the_cut_offs(
    alice_client: Any, alice: Any, practice: SimpleNamespace
) -> None:
    later = practice.book(alice, datetime(2025, 3, 5, 15, 0, tzinfo=UTC))
    today = practice.book(alice, NOW + timedelta(hours=4))  # inside the 24-hour cut-offs

    page = alice_client.get("/appointments/").content.decode()

    assert buttons(page, later) == ["Reschedule", "Cancel"]
    assert f"/appointments/{later.id}/cancel/" in page and f"/appointments/{later.id}/reschedule/" in page
    assert buttons(page, today) == []


def test_it_offers_join_from_minutes_before_a_video_visit_until_it_ends(
    alice_client: Any, alice: Any, practice: SimpleNamespace
) -> None:
    soon = practice.book(alice, NOW + timedelta(minutes=10), note_type=practice.video)
    running = practice.book(alice, NOW - timedelta(minutes=5), note_type=practice.video, provider=practice.lovelace)
    office = practice.book(alice, NOW + timedelta(minutes=60), provider=practice.lovelace)

    page = alice_client.get("/appointments/").content.decode()

    assert buttons(page, soon) == ["Join video visit"]
    assert 'href="https://meet.example/hopper" target="_blank" rel="noopener noreferrer"' in card(page, soon)
    assert buttons(page, running) == ["Join video visit"]  # under way: still upcoming, still joinable
    assert buttons(page, office) == []
    with override_config(JOIN_MINUTES_BEFORE=5):
        assert buttons(alice_client.get("/appointments/").content.decode(), soon) == []


def test_it_hides_each_button_a_plugin_says_no_to(
    alice_client: Any, alice: Any, practice: SimpleNamespace, plugins: SimpleNamespace
) -> None:
    visit = practice.book(alice, datetime(2025, 3, 5, 15, 0, tzinfo=UTC))
    video = practice.book(alice, NOW + timedelta(minutes=10), note_type=practice.video)

    plugins.answer(hooks.CAN_CANCEL, "PATIENT_PORTAL__APPOINTMENT_IS_CANCELABLE", {"result": False})
    page = alice_client.get("/appointments/").content.decode()
    assert buttons(page, visit) == ["Reschedule"]

    plugins.table.clear()
    plugins.answer(hooks.CAN_RESCHEDULE, "PATIENT_PORTAL__APPOINTMENT_IS_RESCHEDULABLE", {"result": False})
    page = alice_client.get("/appointments/").content.decode()
    assert buttons(page, visit) == ["Cancel"]

    plugins.table.clear()
    plugins.answer(hooks.CAN_SHOW_LINK, "PATIENT_PORTAL__APPOINTMENT_SHOW_MEETING_LINK", {"result": False})
    page = alice_client.get("/appointments/").content.decode()
    assert buttons(page, video) == [] and "meet.example" not in page


def test_a_plugin_cannot_offer_what_the_policy_refuses(
    alice_client: Any, alice: Any, practice: SimpleNamespace, plugins: SimpleNamespace
) -> None:
    today = practice.book(alice, NOW + timedelta(hours=4))
    for event, effect in (
        (hooks.CAN_CANCEL, "PATIENT_PORTAL__APPOINTMENT_IS_CANCELABLE"),
        (hooks.CAN_RESCHEDULE, "PATIENT_PORTAL__APPOINTMENT_IS_RESCHEDULABLE"),
        (hooks.CAN_SHOW_LINK, "PATIENT_PORTAL__APPOINTMENT_SHOW_MEETING_LINK"),
    ):
        plugins.answer(event, effect, {"result": True})

    assert buttons(alice_client.get("/appointments/").content.decode(), today) == []


def test_it_hides_reschedule_and_booking_when_a_plugin_turns_scheduling_off(
    alice_client: Any, alice: Any, practice: SimpleNamespace, plugins: SimpleNamespace
) -> None:
    visit = practice.book(alice, datetime(2025, 3, 5, 15, 0, tzinfo=UTC))
    plugins.answer(
        hooks.APP_CONFIG, "PATIENT_PORTAL__APPLICATION_CONFIGURATION", {"data": {"can_schedule_appointments": False}}
    )

    page = alice_client.get("/appointments/").content.decode()

    assert buttons(page, visit) == ["Cancel"]
    assert "Book an appointment" not in page


def test_it_asks_plugins_about_every_card_in_one_round_trip(
    alice_client: Any, alice: Any, practice: SimpleNamespace, plugins: SimpleNamespace
) -> None:
    for day in range(3):
        practice.book(alice, datetime(2025, 3, 4 + day, 15, 0, tzinfo=UTC))

    alice_client.get("/appointments/")

    card_trips = [names for names in plugins.asked if hooks.CAN_CANCEL in names]
    assert card_trips == [[hooks.CAN_CANCEL, hooks.CAN_RESCHEDULE, hooks.CAN_SHOW_LINK] * 3]


def test_it_lists_20_appointments_in_a_fixed_number_of_queries(
    alice_client: Any, alice: Any, practice: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    practice.book(alice, datetime(2025, 3, 4, 15, 0, tzinfo=UTC))
    practice.book(alice, datetime(2025, 2, 4, 15, 0, tzinfo=UTC))
    alice_client.get("/appointments/")
    with django_assert_max_num_queries(10) as few:
        alice_client.get("/appointments/")
    for day in range(9):
        practice.book(alice, datetime(2025, 3, 5 + day, 15, 0, tzinfo=UTC), note_type=practice.video)
        practice.book(alice, datetime(2025, 2, 5 + day, 15, 0, tzinfo=UTC), provider=practice.lovelace)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = alice_client.get("/appointments/")

    assert response.content.decode().count('class="card appointment"') == 10
