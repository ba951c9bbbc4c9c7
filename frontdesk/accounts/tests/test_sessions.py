"""Sessions end after idling or after an absolute limit, and patients can end them everywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from frontdesk.accounts.models import CanvasUser
from frontdesk.accounts.tests.support import actions

HOME = "/"
T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
NEW_PASSWORD = "plum-orchard-lantern-42"
SIGNED_OUT = "You were signed out after a period of inactivity. Please sign in again."
SESSION_TOO_OLD = "For your security, sessions last at most a few hours. Please sign in again."


@pytest.fixture
def timeouts(settings: Any) -> Any:
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    settings.SESSION_ABSOLUTE_TIMEOUT_HOURS = 2
    return settings


def _signed_in_client(identifier: str = "alice@example.com", password: str = PASSWORD) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"identifier": identifier, "password": password}).status_code == 302
    return client


def _is_signed_in(client: Client) -> bool:
    return client.get(HOME).status_code == 200


def test_it_ends_a_session_left_idle(alice: Any, timeouts: Any, time_machine: Any) -> None:
    time_machine.move_to(T0, tick=False)
    client = _signed_in_client()

    time_machine.shift(timedelta(minutes=30))
    assert _is_signed_in(client)  # exactly at the limit: still in, and the clock restarts

    time_machine.shift(timedelta(minutes=30, seconds=1))
    response = client.get("/account/", follow=True)

    assert response.redirect_chain == [("/accounts/login/?next=/account/", 302)]
    assert SIGNED_OUT in response.content.decode()
    assert not _is_signed_in(client)


def test_it_keeps_an_active_session_until_the_absolute_limit(alice: Any, timeouts: Any, time_machine: Any) -> None:
    time_machine.move_to(T0, tick=False)
    client = _signed_in_client()

    for _ in range(5):  # 100 minutes of activity every 20 minutes
        time_machine.shift(timedelta(minutes=20))
        assert _is_signed_in(client)

    time_machine.move_to(T0 + timedelta(hours=2), tick=False)
    assert _is_signed_in(client)
    time_machine.shift(timedelta(seconds=1))
    response = client.get(HOME, follow=True)

    assert response.redirect_chain[0] == ("/accounts/login/?next=/", 302)
    assert SESSION_TOO_OLD in response.content.decode()
    assert not _is_signed_in(client)


def test_it_times_out_sessions_that_did_not_start_on_the_sign_in_page(
    alice_client: Any, timeouts: Any, time_machine: Any
) -> None:
    time_machine.move_to(T0, tick=False)
    assert _is_signed_in(alice_client)  # first request stamps the session

    time_machine.shift(timedelta(minutes=31))
    assert not _is_signed_in(alice_client)


def test_it_ends_every_session_when_the_patient_signs_out_everywhere(alice: Any) -> None:
    laptop, phone = _signed_in_client(), _signed_in_client("(617) 555-0101")

    response = laptop.post(reverse("portal:end_sessions"), follow=True)

    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert "You are signed out on every device." in response.content.decode()
    assert not _is_signed_in(laptop)
    assert not _is_signed_in(phone)
    assert actions(action="user.sessions_ended", patient_key=alice.id) == ["user.sessions_ended"]
    assert _is_signed_in(_signed_in_client())  # signing in again works


def test_it_leaves_other_patients_signed_in(alice: Any, charlie: Any) -> None:
    alices, charlies = _signed_in_client(), _signed_in_client("charlie@example.com")

    alices.post(reverse("portal:end_sessions"))

    assert _is_signed_in(charlies)


def test_it_keeps_this_session_and_ends_the_others_when_the_password_changes(alice: Any) -> None:
    here, elsewhere = _signed_in_client(), _signed_in_client()

    response = here.post(
        reverse("portal:change_password"),
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain == [("/account/", 302)]
    assert "Your password is changed. Other devices are signed out." in response.content.decode()
    assert _is_signed_in(here)
    assert not _is_signed_in(elsewhere)
    assert CanvasUser.objects.get(pk=alice.user.pk).check_password(NEW_PASSWORD)
    assert actions(action="user.password_changed", patient_key=alice.id) == ["user.password_changed"]


@pytest.mark.parametrize(
    ("current", "new", "again", "field", "message"),
    [
        ("wrong-current-123", NEW_PASSWORD, NEW_PASSWORD, "current_password", "Your current password is not right."),
        (PASSWORD, "short", "short", "password", "This password is too short. It must contain at least 10 characters."),
        (PASSWORD, "alice@example.com", "alice@example.com", "password", "The password is too similar to the email."),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", "password_again", "The two passwords are not the same."),
        ("", NEW_PASSWORD, NEW_PASSWORD, "current_password", "This field is required."),
    ],
)
def test_it_refuses_a_bad_password_change_and_changes_nothing(
    alice: Any, current: str, new: str, again: str, field: str, message: str
) -> None:
    here, elsewhere = _signed_in_client(), _signed_in_client()

    response = here.post(
        reverse("portal:change_password"),
        {"current_password": current, "password": new, "password_again": again},
    )

    assert response.status_code == 400
    assert message in response.context["password_form"].errors[field]
    assert CanvasUser.objects.get(pk=alice.user.pk).check_password(PASSWORD)
    assert _is_signed_in(here) and _is_signed_in(elsewhere)
    assert actions(action="user.password_changed") == []
