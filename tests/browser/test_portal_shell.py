"""A signed-in patient finds their way around the portal: navigation, the landing page panels,
My Health, verifying an email from the Account page, keyboard access, and a phone-sized screen."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from .journey import expect_signed_in_home, scroll_width, sign_in

PASSWORD = "correct-horse-battery-9"  # the root conftest's persona password
HOME_EMAIL = "alice.home@example.com"
NEW_YORK = ZoneInfo("America/New_York")
PHONE_WIDTH = 375


@pytest.fixture
def chart(alice: Any, staff: Any) -> dict[str, Any]:
    """Alice's record as the clinic keeps it: a clinician, a visit booked, chart items, an email."""
    from frontdesk.audit.services import Actor
    from frontdesk.clinic import services
    from frontdesk.clinic.models import (
        AllergyIntolerance,
        AllergyIntoleranceCoding,
        CareTeamMembership,
        Condition,
        ConditionCoding,
        Medication,
        MedicationCoding,
        PracticeLocation,
        Staff,
    )
    from frontdesk.scheduling.models import Appointment, NoteType
    from frontdesk.scheduling.services import save_appointment, save_note_type

    desk = Actor.for_user(staff)  # chart items count once a clinician's user commits them
    location = services.save_location(
        actor=desk, location=PracticeLocation(full_name="Harbor Street Clinic", time_zone="America/New_York")
    )
    grace = services.save_staff(actor=desk, staff=Staff(prefix="Dr.", first_name="Grace", last_name="Hopper"))
    services.save_care_team_membership(
        actor=desk,
        membership=CareTeamMembership(patient=alice, staff=grace, role_display="Primary care physician", lead=True),
    )
    visit_type = save_note_type(actor=desk, note_type=NoteType(name="Annual physical", is_scheduleable=True))
    visit_day = timezone.now().astimezone(NEW_YORK).date() + timedelta(days=3)
    visit = datetime.combine(visit_day, time(10, 30), tzinfo=NEW_YORK)
    save_appointment(
        actor=desk,
        appointment=Appointment(
            patient=alice,
            provider=grace,
            location=location,
            note_type=visit_type,
            start_time=visit,
            duration_minutes=30,
        ),
    )

    condition = services.save_chart_item(
        actor=desk,
        item=Condition(patient=alice, last_assessed_date=date(2026, 9, 1), last_assessed_by=grace),
    )
    ConditionCoding.objects.create(
        condition=condition, system="http://hl7.org/fhir/sid/icd-10-cm", code="I10", display="Essential hypertension"
    )
    hidden = services.save_chart_item(actor=desk, item=Condition(patient=alice, show_in_summary=False))
    ConditionCoding.objects.create(
        condition=hidden, system="http://hl7.org/fhir/sid/icd-10-cm", code="J30.2", display="Seasonal rhinitis"
    )
    medication = services.save_chart_item(
        actor=desk,
        item=Medication(
            patient=alice,
            start_date=datetime(2026, 3, 2, 15, 0, tzinfo=NEW_YORK),
            sig="1 tablet by mouth every morning",
            last_prescriber=grace,
        ),
    )
    MedicationCoding.objects.create(
        medication=medication,
        system="http://www.nlm.nih.gov/research/umls/rxnorm",
        code="314076",
        display="lisinopril 10 MG Oral Tablet",
    )
    allergy = services.save_chart_item(
        actor=desk,
        item=AllergyIntolerance(patient=alice, severity="moderate", narrative="Hives", onset_date=date(2004, 6, 1)),
    )
    AllergyIntoleranceCoding.objects.create(
        allergy_intolerance=allergy, system="http://snomed.info/sct", code="764146007", display="Penicillin"
    )
    services.add_contact_point(actor=desk, patient=alice, system="email", value=HOME_EMAIL, use="home")
    return {"visit": visit}


def shoot(page: Page, shots_dir: Path, name: str) -> None:
    page.screenshot(path=str(shots_dir / f"{name}.png"), full_page=True)


def expect_breathing_room(page: Page) -> None:
    """The header's content is not glued to the screen's edge, nor the page's content to the header."""
    brand = page.locator(".brand").bounding_box()
    header = page.get_by_role("banner").bounding_box()
    heading = page.get_by_role("heading", level=1).bounding_box()
    assert brand and header and heading
    assert brand["x"] >= 12, f"the header touches the screen's left edge on {page.url}: {brand}"
    gap = heading["y"] - (header["y"] + header["height"])
    assert gap >= 12, f"the page's heading is {gap}px below the header on {page.url}"


def expect_current(page: Page, label: str) -> None:
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link")).to_have_text(["Home", "Appointments", "My Health", "Account"])
    expect(nav.locator("[aria-current]")).to_have_count(1)
    expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute("aria-current", "page")


@pytest.mark.browser
def test_it_shows_the_portal_shell_to_a_signed_in_patient(
    new_page: Any, alice: Any, chart: dict[str, Any], outbox: Any, shots_dir: Path
) -> None:
    page = new_page()
    sign_in(page, identifier="alice@example.com", password=PASSWORD)
    expect_signed_in_home(page, "Alice")
    expect_current(page, "Home")

    # The landing page: the booked visit in Alice's zone, messages, her care team.
    upcoming = page.get_by_role("region", name="Upcoming appointments")
    visit = chart["visit"]
    expect(upcoming).to_contain_text("Annual physical")
    expect(upcoming).to_contain_text(f"{visit:%A}, {visit:%B} {visit.day}, {visit.year} · 10:30 AM")
    expect(upcoming).to_contain_text("with Dr. Grace Hopper · Harbor Street Clinic")
    expect(page.get_by_role("region", name="Messages")).to_contain_text("no new messages")
    expect(page.get_by_role("region", name="Your care team")).to_contain_text("Dr. Grace Hopper")
    expect_breathing_room(page)
    shoot(page, shots_dir, "home-desktop")

    # The skip link is the first Tab stop, shows itself when focused, and moves focus to main.
    page.reload()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, f"focused skip link is off screen: {box}"
    shoot(page, shots_dir, "skip-link-focused")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # My Health: the three tables, with what the summary leaves out left out.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My Health").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My Health")
    expect_current(page, "My Health")
    conditions = page.get_by_role("region", name="Conditions").get_by_role("table")
    expect(conditions.get_by_role("columnheader")).to_have_text(["Condition", "Status", "Last assessed", "By"])
    expect(conditions.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        ["Essential hypertension", "Active", "Sep 1, 2026", "Dr. Grace Hopper"]
    )
    expect(conditions.get_by_role("row")).to_have_count(2)
    expect(page.get_by_text("Seasonal rhinitis")).to_have_count(0)
    medications = page.get_by_role("region", name="Medications").get_by_role("table")
    expect(medications.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        ["lisinopril 10 MG Oral Tablet", "Mar 2, 2026", "1 tablet by mouth every morning", "Dr. Grace Hopper"]
    )
    allergies = page.get_by_role("region", name="Allergies").get_by_role("table")
    expect(allergies.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        ["Penicillin", "Moderate", "Hives", "Jun 1, 2004"]
    )
    shoot(page, shots_dir, "health-desktop")

    # Account: verify the home email with the six-digit code from the outbox.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    expect_current(page, "Account")
    contact = page.get_by_role("region", name="Contact details")
    expect(contact).to_contain_text(f"Email (Home): {HOME_EMAIL}")
    shoot(page, shots_dir, "account-desktop")
    contact.get_by_role("button", name="Send verification code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Verify {HOME_EMAIL}")
    expect(page.get_by_role("status")).to_contain_text(f"We sent a code to {HOME_EMAIL}")
    message = outbox.take(kind="email", to=HOME_EMAIL)
    found = re.search(r"\b(\d{6})\b", message.body)
    assert found, message.body
    code = found.group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    page.get_by_label("Verification code").fill(wrong)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_label("Verification code")).to_have_accessible_description(re.compile("not right"))
    shoot(page, shots_dir, "verify-wrong-code-desktop")
    page.get_by_label("Verification code").fill(f"{code[:3]} {code[3:]}")
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/account/$"))
    expect(page.get_by_role("status")).to_contain_text(f"{HOME_EMAIL} is verified.")
    expect(contact.locator(".badge")).to_have_text("Verified")
    expect(contact.get_by_role("button", name="Send verification code")).to_have_count(0)

    # The same pages on a 375-pixel phone: nothing scrolls sideways.
    phone = new_page(viewport={"width": PHONE_WIDTH, "height": 812})
    phone.goto("/accounts/login/")
    assert scroll_width(phone) <= PHONE_WIDTH + 1, "the sign-in page scrolls sideways"
    shoot(phone, shots_dir, "login-375")
    sign_in(phone, identifier="alice@example.com", password=PASSWORD)
    expect_signed_in_home(phone, "Alice")
    for path, name in (("/", "home"), ("/health/", "health"), ("/account/", "account")):
        phone.goto(path)
        expect(phone.get_by_role("navigation", name="Main")).to_be_visible()
        width = scroll_width(phone)
        shoot(phone, shots_dir, f"{name}-375")
        assert width <= PHONE_WIDTH + 1, f"{path} is {width}px wide on a {PHONE_WIDTH}px screen"
        expect_breathing_room(phone)
    # On a phone the table rows stack, so each value says which column it is.
    phone.goto("/health/")
    row = phone.get_by_role("region", name="Conditions").get_by_role("row", name="Essential hypertension")
    expect(row.get_by_role("cell").nth(3)).to_have_accessible_name("By: Dr. Grace Hopper")
    outbox.nothing_new()
