"""The portal shell: navigation for the sections the clinic switched on, and the landing page."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from constance.test import override_config
from django.test import Client
from django.utils import timezone

from conftest import make_patient

NAV = re.compile(r'<nav aria-label="Main">(.*?)</nav>', re.S)


def _nav(response: Any) -> list[tuple[str, str, bool]]:
    [nav] = NAV.findall(response.content.decode())
    return [
        (href, label, bool(current))
        for href, current, label in re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav)
    ]


def test_it_shows_every_section_and_marks_the_current_one(alice_client: Any) -> None:
    assert _nav(alice_client.get("/")) == [
        ("/", "Home", True),
        ("/appointments/", "Appointments", False),
        ("/health/", "My Health", False),
        ("/account/", "Account", False),
    ]
    assert _nav(alice_client.get("/account/")) == [
        ("/", "Home", False),
        ("/appointments/", "Appointments", False),
        ("/health/", "My Health", False),
        ("/account/", "Account", True),
    ]


def test_it_hides_my_health_when_it_is_switched_off(alice_client: Any) -> None:
    with override_config(PATIENT_APP_MY_HEALTH=False):
        assert alice_client.get("/health/").status_code == 404
        for page in ("/", "/account/"):
            response = alice_client.get(page)
            assert response.status_code == 200
            assert [label for _, label, _ in _nav(response)] == ["Home", "Appointments", "Account"]
            assert "My Health" not in response.content.decode()
    assert alice_client.get("/health/").status_code == 200


def test_it_shows_no_navigation_to_visitors_or_staff(dana_client: Any) -> None:
    assert not NAV.findall(Client().get("/accounts/login/").content.decode())
    staff_page = dana_client.get("/accounts/login/")
    assert staff_page.context["user"].is_staff
    assert not NAV.findall(staff_page.content.decode())


def test_it_uses_the_clinics_name(alice_client: Any) -> None:
    with override_config(CLINIC_NAME="Harbor Family Medicine"):
        page = alice_client.get("/").content.decode()
    assert "<title>Home · Harbor Family Medicine</title>" in page
    assert '<a class="brand" href="/">Harbor Family Medicine</a>' in page


def test_it_welcomes_the_patient_by_preferred_name(client: Any, db: Any) -> None:
    ally = make_patient("Alexandra", "Anders", nickname="Ally", email="ally@example.com")
    client.force_login(ally.user, backend="frontdesk.accounts.backends.IdentifierBackend")
    assert "<h1>Welcome, Ally</h1>" in client.get("/").content.decode()


def test_it_lists_upcoming_appointments_in_the_patients_time_zone(
    alice_client: Any, alice: Any, charlie: Any, appointments: Any, time_machine: Any
) -> None:
    time_machine.move_to(datetime(2025, 3, 3, 12, 0, tzinfo=UTC), tick=False)
    appointments(alice, 1, start=datetime(2025, 3, 4, 14, 30, tzinfo=UTC))
    appointments(alice, 1, start=datetime(2025, 3, 1, 14, 30, tzinfo=UTC))  # past
    appointments(charlie, 1, start=datetime(2025, 3, 5, 14, 30, tzinfo=UTC))

    page = alice_client.get("/").content.decode()

    assert "Tuesday, March 4, 2025 · 9:30 AM EST" in page
    assert "with Dr. Grace Hopper, MD" in page
    assert "March 1, 2025" not in page and "March 5, 2025" not in page


def test_it_hides_appointments_when_they_are_switched_off(alice_client: Any, alice: Any, appointments: Any) -> None:
    appointments(alice, 1)
    with override_config(PATIENT_APP_APPOINTMENTS=False):
        page = alice_client.get("/").content.decode()
    assert "Upcoming appointments" not in page and "Office visit" not in page
    assert "Upcoming appointments" in alice_client.get("/").content.decode()


def test_it_says_when_there_are_no_appointments(alice_client: Any) -> None:
    assert "You have no upcoming appointments." in alice_client.get("/").content.decode()


def test_it_shows_the_landing_page_in_a_fixed_number_of_queries(
    alice_client: Any, alice: Any, appointments: Any, django_assert_num_queries: Any
) -> None:
    appointments(alice, 1)
    alice_client.get("/")
    with django_assert_num_queries(8) as few:  # 7, and is any type bookable online (the Book link)
        alice_client.get("/")
    appointments(alice, 3, start=timezone.now() + timedelta(days=5))  # later: the doctor is booked on day 1
    with django_assert_num_queries(len(few.captured_queries)):
        alice_client.get("/")


def test_it_shows_the_landing_page_in_a_fixed_number_of_queries_without_appointments(
    alice_client: Any, django_assert_num_queries: Any
) -> None:
    alice_client.get("/")
    with django_assert_num_queries(7):
        alice_client.get("/")
