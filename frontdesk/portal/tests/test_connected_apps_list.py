"""The Account page lists the SMART apps the patient approved and that can still reach their
record: one entry per app, with when it was approved and last connected and what it may do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from django.utils import timezone

from frontdesk.audit.services import Actor
from frontdesk.fhir import services
from frontdesk.fhir.tests.smart_apps import approve, connect, refresh, register_app

MARCH_3 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)  # 10:00 AM in New York


def _apps_section(page: Any) -> str:
    text = page.content.decode()
    start = text.index('<h2 id="apps-h">')
    return text[start : text.index("</section>", start)]


def test_it_lists_alices_app_and_not_charlies(alice_client: Any, alice: Any, charlie: Any) -> None:
    diary, steps = register_app("Health Diary"), register_app("Step Counter")
    connect(alice, diary)
    connect(charlie, steps)

    section = _apps_section(alice_client.get("/account/"))

    assert "Health Diary" in section
    assert "Step Counter" not in section and steps.client.client_id not in section
    assert "See your profile (name, date of birth, contact details)" in section
    assert "See your appointments" in section
    assert "Keep this access after you close the app" in section
    assert f'action="/account/apps/{diary.client.client_id}/revoke/"' in section
    assert 'name="csrfmiddlewaretoken"' in section
    assert 'Revoke access<span class="visually-hidden"> for Health Diary</span>' in section


def test_it_says_when_no_apps_are_connected(alice_client: Any, alice: Any) -> None:
    register_app()
    assert "No apps are connected." in _apps_section(alice_client.get("/account/"))


def test_it_shows_when_the_app_was_approved_and_last_connected_in_the_patients_zone(
    alice_client: Any, alice: Any
) -> None:
    app = register_app()
    with time_machine.travel(MARCH_3, tick=False) as clock:
        first = connect(alice, app)
        clock.shift(timedelta(days=2, hours=12))  # March 6, 3:00 AM UTC: still March 5 in New York
        refresh(app, first["refresh_token"])
        section = _apps_section(alice_client.get("/account/"))

    assert "Approved <time" in section and ">March 3, 2025</time>" in section
    assert "last connected <time" in section and ">March 5, 2025</time>" in section


def test_it_shows_one_entry_per_app_with_everything_its_grants_allow(alice_client: Any, alice: Any) -> None:
    app = register_app()
    connect(alice, app, scope="launch/patient patient/Patient.read")
    connect(alice, app, scope="launch/patient patient/Appointment.read")

    section = _apps_section(alice_client.get("/account/"))

    assert section.count("<h3") == 1
    assert "See your profile" in section and "See your appointments" in section
    assert "Keep this access" not in section


def test_it_leaves_out_apps_that_can_no_longer_reach_the_record(alice_client: Any, alice: Any) -> None:
    short, offline, off, pending = (register_app(n) for n in ("Quick Look", "Diary", "Switched Off", "Pending"))
    with time_machine.travel(timezone.now(), tick=False) as clock:
        connect(alice, short, scope="launch/patient patient/Patient.read")  # no refresh token
        connect(alice, offline)  # its refresh token outlives the access token
        connect(alice, off)
        approve(alice, pending)  # approved, but the app never exchanged the code
        off.client.is_active = False
        services.update_oauth_client(actor=Actor.system("tests"), client=off.client, changed=["is_active"])
        clock.shift(timedelta(hours=11))
        section = _apps_section(alice_client.get("/account/"))

    assert "Diary" in section
    assert "Quick Look" not in section and "Switched Off" not in section and "Pending" not in section


def test_it_shows_the_page_in_a_fixed_number_of_queries(
    alice_client: Any, alice: Any, django_assert_num_queries: Any
) -> None:
    alice_client.get("/account/")
    with django_assert_num_queries(6):  # session, user, live settings, patient, contact points, apps
        alice_client.get("/account/")
    for name in ("Health Diary", "Step Counter", "Sleep Log"):
        app = register_app(name)
        issued = connect(alice, app)
        refresh(app, issued["refresh_token"])
        connect(alice, app, scope="launch/patient patient/Patient.read")

    with django_assert_num_queries(6):
        page = alice_client.get("/account/")
    assert _apps_section(page).count("<h3") == 3
