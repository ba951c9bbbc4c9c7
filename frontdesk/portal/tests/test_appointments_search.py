"""A patient looks for a time to book: the form (type, location, provider, week) offers what the
clinic lets patients book online, and the week's open times come grouped by provider and day in
the patient's time zone. htmx swaps the results in; the same URL renders the page without it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from constance.test import override_config

from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Staff
from frontdesk.clinic.services import save_staff
from frontdesk.plugins import hooks
from frontdesk.scheduling.models import NoteType, ReasonForVisit
from frontdesk.scheduling.services import save_note_type

EVERY_TIME = ["9:00 AM", "9:30 AM", "10:00 AM", "10:30 AM", "11:00 AM", "11:30 AM"]
WEEKDAYS = ["Monday, March 3", "Tuesday, March 4", "Wednesday, March 5", "Thursday, March 6", "Friday, March 7"]


def query(practice: SimpleNamespace, **changes: str) -> dict[str, str]:
    return {
        "type": str(practice.office.unique_identifier),
        "location": str(practice.harbor.id),
        "provider": "",
        "date": "",
        **changes,
    }


def options(page: str, name: str) -> list[str]:
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert found, f"no {name} list"
    return re.findall(r"<option [^>]*>([^<]*)</option>", found.group(1))


def groups(page: str) -> dict[str, dict[str, list[str]]]:
    """Provider → day → the times offered, as the page shows them."""
    shown: dict[str, dict[str, list[str]]] = {}
    for provider, body in re.findall(r"<legend><h3>([^<]+)</h3></legend>(.*?)</fieldset>", page, re.S):
        for day, times in re.findall(r"<h4[^>]*>([^<]+)</h4>(.*?)</ul>", body, re.S):
            shown.setdefault(provider, {})[day] = re.findall(r'<button type="submit" class="slot"[^>]*>([^<]+)<', times)
    return shown


def test_it_offers_what_patients_may_book_online(alice_client: Any, practice: SimpleNamespace) -> None:
    save_note_type(actor=practice.desk, note_type=NoteType(name="Annual physical", is_scheduleable=True))

    response = alice_client.get("/appointments/book/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Book an appointment</h1>" in page
    assert options(page, "type") == ["Office visit", "Video visit"]
    assert options(page, "location") == ["Harbor Clinic"]  # nobody sees patients at Hilltop
    assert options(page, "provider") == ["Any provider", "Dr. Grace Hopper, MD", "Dr. Ada Lovelace, NP"]
    for label in ("Appointment type", "Location", "Provider", "Week starting"):
        assert f">{label}</label>" in page
    assert "<legend>What and where</legend>" in page
    assert 'type="date" name="date" value="2025-03-03" min="2025-03-03"' in page
    assert 'name="slot"' not in page  # no times before a search


def test_it_shows_the_weeks_open_times_by_provider_and_day(
    alice_client: Any, charlie: Any, practice: SimpleNamespace
) -> None:
    practice.book(charlie, datetime(2025, 3, 4, 14, 0, tzinfo=UTC))  # Dr. Hopper, Tuesday 9:00 AM

    response = alice_client.get("/appointments/book/", query(practice))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Open times, Monday, March 3 to Sunday, March 9" in page
    assert "Office visit, 30 minutes, at Harbor Clinic." in page
    assert "Times are shown in your time zone, America/New_York." in page
    shown = groups(page)
    assert list(shown) == ["Dr. Grace Hopper, MD", "Dr. Ada Lovelace, NP"]
    assert list(shown["Dr. Grace Hopper, MD"]) == WEEKDAYS
    assert shown["Dr. Grace Hopper, MD"]["Tuesday, March 4"] == EVERY_TIME[1:]  # Charlie has 9:00
    assert all(times == EVERY_TIME for times in shown["Dr. Ada Lovelace, NP"].values())
    assert 'aria-label="Book 9:00 AM, Monday, March 3, with Dr. Ada Lovelace, NP"' in page
    assert f'value="{practice.lovelace.id}|2025-03-03T14:00:00+00:00"' in page


def test_it_searches_one_providers_times(alice_client: Any, practice: SimpleNamespace) -> None:
    page = alice_client.get("/appointments/book/", query(practice, provider=practice.lovelace.id)).content.decode()

    assert list(groups(page)) == ["Dr. Ada Lovelace, NP"]


def test_it_moves_week_by_week_within_the_booking_horizon(alice_client: Any, practice: SimpleNamespace) -> None:
    this_week = alice_client.get("/appointments/book/", query(practice)).content.decode()
    assert "Previous week" not in this_week
    assert re.search(r'<a href="/appointments/book/\?[^"]*date=2025-03-10"[^>]*hx-push-url="true">Next week', this_week)

    page = alice_client.get("/appointments/book/", query(practice, date="2025-03-12")).content.decode()
    assert "Open times, Wednesday, March 12 to Tuesday, March 18" in page
    assert list(groups(page)["Dr. Grace Hopper, MD"]) == [
        "Wednesday, March 12",
        "Thursday, March 13",
        "Friday, March 14",
        "Monday, March 17",
        "Tuesday, March 18",
    ]
    assert "date=2025-03-05" in page and "date=2025-03-19" in page

    # Online booking reaches 60 days ahead (to May 2): the last week has no Next.
    last = alice_client.get("/appointments/book/", query(practice, date="2025-04-28")).content.decode()
    assert "Next week" not in last and "Previous week" in last


def test_it_says_when_a_week_has_no_open_times(alice_client: Any, practice: SimpleNamespace) -> None:
    save_note_type(
        actor=practice.desk,
        note_type=NoteType(
            name="Night visit", is_scheduleable=True, is_scheduleable_via_patient_portal=True, online_duration=240
        ),
    )
    night = NoteType.objects.get(name="Night visit")

    page = alice_client.get("/appointments/book/", query(practice, type=str(night.unique_identifier))).content.decode()

    assert "No open times this week. Try the next week, another provider or another location." in page


def test_it_answers_htmx_with_the_results_fragment(alice_client: Any, practice: SimpleNamespace) -> None:
    swap = alice_client.get("/appointments/book/", query(practice), headers={"HX-Request": "true"})
    fragment = swap.content.decode()

    assert "<html" not in fragment
    assert fragment.strip().startswith('<div id="picker" class="picker">')
    assert '<h2 id="slots-h" tabindex="-1" autofocus>' in fragment  # focus moves to the results
    assert 'hx-get="/appointments/book/" hx-target="#picker" hx-swap="outerHTML" hx-push-url="true"' in fragment
    assert "HX-Request" in swap["Vary"]

    page = alice_client.get("/appointments/book/", query(practice)).content.decode()
    assert "<html" in page and '<div id="picker" class="picker">' in page
    assert "autofocus>" not in page  # a page load starts at the top

    # htmx restoring history asks for the whole page.
    restore = alice_client.get(
        "/appointments/book/", query(practice), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.content.decode()


def test_it_explains_a_search_it_cannot_run(alice_client: Any, practice: SimpleNamespace) -> None:
    hilltop_only = save_staff(
        actor=Actor.system("tests"),
        staff=Staff(prefix="Dr.", first_name="Hedy", last_name="Lamarr", is_schedulable=True),
    )
    hilltop_only.practice_locations.add(practice.hilltop)
    cases = [
        ({"type": "not-a-type"}, "Appointment type: Choose one of the listed appointment type options."),
        ({"type": ""}, "Appointment type: Choose an appointment type."),
        ({"location": str(practice.hilltop.id).replace("-", "")[:8]}, "Location: Choose one of the listed location"),
        ({"date": "2025-03-01"}, "Week starting: Choose today or a later date."),
        ({"date": "next tuesday"}, "Week starting: Enter a date like 2025-03-04."),
        ({"date": "2025-06-01"}, "Week starting: Office visit can be booked up to 60 days ahead."),
        (
            {"provider": hilltop_only.id},
            "Provider: Dr. Hedy Lamarr does not see patients at Harbor Clinic. Choose another provider, or Any provider.",
        ),
    ]
    for change, message in cases:
        response = alice_client.get("/appointments/book/", query(practice, **change))
        page = response.content.decode()
        assert response.status_code == 400, change
        assert message in page, (change, re.findall(r"<li><a href[^>]*>([^<]*)<", page))
        assert 'role="alert" tabindex="-1" autofocus' in page
        assert 'name="slot"' not in page

    # The same, swapped in by htmx: a 200 (htmx does not swap error statuses) with the errors.
    swap = alice_client.get("/appointments/book/", query(practice, date="2025-03-01"), headers={"HX-Request": "true"})
    assert swap.status_code == 200 and "Choose today or a later date." in swap.content.decode()


def test_plugins_filter_the_form_lists_and_the_times(
    alice_client: Any, practice: SimpleNamespace, plugins: SimpleNamespace
) -> None:
    office = {"id": str(practice.office.unique_identifier), "title": "Office visit"}
    plugins.answer(
        hooks.SEARCHES["appointment_types"],
        f"{hooks.SEARCHES['appointment_types']}_RESULTS",
        {"appointment_types": [office, {"id": "made-up", "title": "Free massage"}]},
    )
    plugins.answer(
        hooks.SEARCHES["providers"],
        f"{hooks.SEARCHES['providers']}_RESULTS",
        {"providers": [{"id": practice.lovelace.id, "title": "x"}, {"id": practice.hopper.id, "title": "y"}]},
    )
    tuesday = [
        {"start": f"2025-03-04T{h}-05:00", "end": f"2025-03-04T{e}-05:00"}
        for h, e in (("09:00:00", "09:30:00"), ("11:30:00", "12:00:00"))
    ]
    plugins.answer(
        hooks.SLOTS,
        f"{hooks.SLOTS}_RESULTS",
        {"slots_by_provider": {practice.hopper.id: {"2025-03-04": tuesday}, "someone-else": {"2025-03-04": tuesday}}},
    )

    page = alice_client.get("/appointments/book/", query(practice)).content.decode()

    assert options(page, "type") == ["Office visit"]
    assert options(page, "provider") == ["Any provider", "Dr. Ada Lovelace, NP", "Dr. Grace Hopper, MD"]
    assert groups(page) == {"Dr. Grace Hopper, MD": {"Tuesday, March 4": ["9:00 AM", "11:30 AM"]}}


def test_it_offers_structured_reasons_with_their_lengths(alice_client: Any, practice: SimpleNamespace) -> None:
    back = ReasonForVisit.objects.create(code="161891005", display="Back pain", durations=[15, 45])
    checkup = ReasonForVisit.objects.create(code="185349003", display="Checkup")
    checkup.note_types.add(practice.video)
    ReasonForVisit.objects.create(code="1", display="Retired reason", is_active=False)

    with override_config(STRUCTURED_REASON_FOR_VISIT=True):
        form = alice_client.get("/appointments/book/").content.decode()
        assert options(form, "reason") == ["Back pain (15 minutes)", "Back pain (45 minutes)", "Checkup"]
        assert ">Reason for visit</label>" in form

        page = alice_client.get("/appointments/book/", query(practice, reason=f"{back.id}:45")).content.decode()
        assert "Office visit, 45 minutes, at Harbor Clinic." in page
        assert groups(page)["Dr. Grace Hopper, MD"]["Monday, March 3"] == ["9:00 AM", "9:45 AM", "10:30 AM", "11:15 AM"]
        assert 'name="note"' not in page  # the reason replaces the free-text note
        assert f'<input type="hidden" name="reason" value="{back.id}:45">' in page

        missing = alice_client.get("/appointments/book/", query(practice)).content.decode()
        assert "Reason for visit: Choose a reason for visit." in missing
        wrong = alice_client.get("/appointments/book/", query(practice, reason=str(checkup.id))).content.decode()
        assert "Reason for visit: “Checkup” cannot be booked as Office visit. Choose another reason." in wrong
