"""A patient schedules their own care in the portal: finds an open time, books it, sees it in the
list, moves it to another week, and cancels it; on a 375-pixel phone with the keyboard; and with
JavaScript switched off (htmx only makes the pages quicker)."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .journey import expect_signed_in_home, scroll_width, sign_in

PASSWORD = "correct-horse-battery-9"  # the root conftest's persona password
NEW_YORK = ZoneInfo("America/New_York")
PHONE = {"width": 375, "height": 812}
SLOT_LABEL = re.compile(r"^Book (\d{1,2}:\d\d [AP]M), (\w+, \w+ \d+), with (.+)$")


@pytest.fixture
def practice(db: Any) -> dict[str, Any]:
    """Harbor Clinic (New York) with Dr. Grace Hopper and Dr. Ada Lovelace open every day 9-5,
    and an Office visit patients book online (30 minutes)."""
    from frontdesk.audit.services import Actor
    from frontdesk.clinic import services
    from frontdesk.clinic.models import PracticeLocation, Staff, StaffRole
    from frontdesk.scheduling.models import Availability, NoteType
    from frontdesk.scheduling.services import save_availability, save_note_type

    desk = Actor.system("journey")
    harbor = services.save_location(
        actor=desk, location=PracticeLocation(full_name="Harbor Street Clinic", time_zone="America/New_York")
    )
    save_note_type(
        actor=desk,
        note_type=NoteType(
            name="Office visit", is_scheduleable=True, is_scheduleable_via_patient_portal=True, online_duration=30
        ),
    )
    today = timezone.now().astimezone(NEW_YORK).date()
    for first, last, code in (("Grace", "Hopper", "MD"), ("Ada", "Lovelace", "NP")):
        person = services.save_staff(
            actor=desk, staff=Staff(prefix="Dr.", first_name=first, last_name=last, is_schedulable=True)
        )
        StaffRole.objects.create(staff=person, role_type=StaffRole.RoleType.CLINICAL, code=code, name=code)
        person.practice_locations.add(harbor)
        save_availability(
            actor=desk,
            availability=Availability(
                provider=person,
                location=harbor,
                weekdays=list(range(7)),
                start_date=today - timedelta(days=1),
                start_time=time(9, 0),
                end_time=time(17, 0),
            ),
        )
    # Two days ahead: past the 24-hour cut-offs, so the booked visit can be moved and cancelled.
    return {"today": today, "first_day": today + timedelta(days=2)}


def shoot(page: Page, shots_dir: Path, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(shots_dir / f"scheduling-{name}.png"), full_page=full_page)


def long_date(day: date) -> str:
    return f"{day:%A, %B} {day.day}, {day.year}"


def search(page: Page, day: date) -> None:
    """Fill in the booking form for an Office visit at Harbor Street Clinic in `day`'s week."""
    page.get_by_label("Appointment type").select_option(label="Office visit")
    page.get_by_label("Location").select_option(label="Harbor Street Clinic")
    expect(page.get_by_label("Provider")).to_have_value("")  # Any provider
    page.get_by_label("Week starting").fill(day.isoformat())
    page.get_by_role("button", name="Show open times").click()


def first_slot(page: Page, provider: str) -> tuple[Any, str, str]:
    """The first open time under `provider`: its button, clock time and day ("Tuesday, March 4")."""
    group = page.get_by_role("group", name=provider)
    button = group.get_by_role("button").first
    label = button.get_attribute("aria-label") or ""
    found = SLOT_LABEL.match(label)
    assert found, label
    return button, found.group(1), found.group(2)


@pytest.mark.browser
def test_a_patient_books_moves_and_cancels_a_visit(
    new_page: Any, alice: Any, practice: dict[str, Any], shots_dir: Path
) -> None:
    page = new_page()
    sign_in(page, identifier="alice@example.com", password=PASSWORD)
    expect_signed_in_home(page, "Alice")

    # From the landing page to the booking form.
    page.get_by_role("region", name="Upcoming appointments").get_by_role("link", name="Book an appointment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Book an appointment")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Appointments")).to_have_attribute("aria-current", "page")
    shoot(page, shots_dir, "book-form-desktop")

    # Search: htmx swaps the week's times in, pushes the search's address and moves focus there.
    day = practice["first_day"]
    search(page, day)
    results = page.get_by_role("heading", name=re.compile(r"^Open times, "))
    expect(results).to_be_focused()
    expect(page).to_have_url(re.compile(rf"/appointments/book/\?.*date={day.isoformat()}"))
    expect(page.get_by_text("Times are shown in your time zone, America/New_York.")).to_be_visible()
    expect(page.get_by_role("group", name="Dr. Grace Hopper, MD")).to_be_visible()
    expect(page.get_by_role("group", name="Dr. Ada Lovelace, NP")).to_be_visible()
    page.get_by_label("Note for the clinic (optional)").fill("My left knee hurts on stairs.")
    shoot(page, shots_dir, "slots-desktop")

    # Book Dr. Hopper's first time.
    button, clock, weekday = first_slot(page, "Dr. Grace Hopper, MD")
    assert weekday == f"{day:%A, %B} {day.day}"
    button.click()
    expect(page).to_have_url(re.compile(r"/appointments/$"))
    when = f"{long_date(day)} at {clock}"
    expect(page.get_by_role("status")).to_contain_text(
        f"Your Office visit with Dr. Grace Hopper, MD is booked for {when}"
    )
    card = page.get_by_role("article", name="Office visit")
    expect(card).to_contain_text(f"{long_date(day)} · {clock}")
    expect(card).to_contain_text("With Dr. Grace Hopper, MD · Harbor Street Clinic")
    shoot(page, shots_dir, "list-booked-desktop")

    # Reschedule: Dr. Hopper's times from today; the next week via htmx; move to Dr. Hopper's first then.
    card.get_by_role("link", name=re.compile("^Reschedule")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reschedule your appointment")
    expect(page.get_by_label("Provider")).to_have_text(re.compile("Dr. Grace Hopper, MD"))
    page.get_by_role("navigation", name="Weeks").get_by_role("link", name="Next week").click()
    later = practice["today"] + timedelta(days=7)
    expect(page.get_by_role("heading", name=re.compile(r"^Open times, "))).to_contain_text(f"{later:%B} {later.day}")
    expect(page).to_have_url(re.compile(rf"date={later.isoformat()}"))
    shoot(page, shots_dir, "reschedule-desktop")
    move = page.get_by_role("group", name="Dr. Grace Hopper, MD").get_by_role("button").first
    moved_clock = (move.text_content() or "").strip()
    move.click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Your appointment is moved to {long_date(later)} at {moved_clock}"
    )
    expect(page.get_by_role("article")).to_have_count(1)
    expect(page.get_by_role("article", name="Office visit")).to_contain_text(f"{long_date(later)} · {moved_clock}")

    # Cancel it.
    page.get_by_role("article", name="Office visit").get_by_role("link", name=re.compile("^Cancel")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your appointment")
    shoot(page, shots_dir, "cancel-desktop")
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_role("status")).to_contain_text(f"Your appointment on {long_date(later)} at {moved_clock}")
    expect(page.get_by_text("You have no upcoming appointments.")).to_be_visible()
    shoot(page, shots_dir, "list-cancelled-desktop")


@pytest.mark.browser
def test_it_books_on_a_phone_with_the_keyboard(
    new_page: Any, alice: Any, practice: dict[str, Any], shots_dir: Path
) -> None:
    phone = new_page(viewport=PHONE)
    sign_in(phone, identifier="alice@example.com", password=PASSWORD)
    expect_signed_in_home(phone, "Alice")
    phone.goto("/appointments/book/")
    shoot(phone, shots_dir, "book-form-375")
    search(phone, practice["first_day"])
    expect(phone.get_by_role("heading", name=re.compile(r"^Open times, "))).to_be_focused()
    assert scroll_width(phone) <= PHONE["width"] + 1, "the slot list scrolls sideways"
    shoot(phone, shots_dir, "slots-375", full_page=False)  # the screen the patient sees: the results

    # From the results heading, Tab reaches the week links, the note, then the first time.
    for week in ("Previous week", "Next week"):
        phone.keyboard.press("Tab")
        expect(phone.get_by_role("link", name=week)).to_be_focused()
    phone.keyboard.press("Tab")
    expect(phone.get_by_label("Note for the clinic (optional)")).to_be_focused()
    phone.keyboard.press("Tab")
    first, clock, _ = first_slot(phone, "Dr. Grace Hopper, MD")
    expect(first).to_be_focused()
    shoot(phone, shots_dir, "slot-focused-375", full_page=False)
    phone.keyboard.press("Enter")
    expect(phone).to_have_url(re.compile(r"/appointments/$"))
    expect(phone.get_by_role("article", name="Office visit")).to_contain_text(clock)
    assert scroll_width(phone) <= PHONE["width"] + 1, "the appointment list scrolls sideways"
    shoot(phone, shots_dir, "list-375")


@pytest.mark.browser
def test_it_books_without_javascript(
    chromium: Any, live_server: Any, alice: Any, practice: dict[str, Any], shots_dir: Path
) -> None:
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, identifier="alice@example.com", password=PASSWORD)
        page.goto("/appointments/book/")
        search(page, practice["first_day"])
        expect(page).to_have_url(re.compile(r"/appointments/book/\?"))  # a plain GET of the same address
        button, clock, _ = first_slot(page, "Dr. Ada Lovelace, NP")
        shoot(page, shots_dir, "slots-no-js")
        button.click()
        expect(page.get_by_role("status")).to_contain_text("Your Office visit with Dr. Ada Lovelace, NP is booked")
        expect(page.get_by_role("article", name="Office visit")).to_contain_text(clock)
    finally:
        context.close()
