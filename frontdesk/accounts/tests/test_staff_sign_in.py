"""The back office's sign-in is throttled and audited like the portal's."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import PASSWORD
from frontdesk.accounts.tests.support import actions

ADMIN_LOGIN = "/admin/login/?next=/admin/"


def _try(client: Client, username: str, password: str) -> Any:
    return client.post(ADMIN_LOGIN, {"username": username, "password": password})


def test_it_signs_staff_in_and_audits_it(dana: Any) -> None:
    client = Client()

    response = _try(client, "  DANA@example.com ", PASSWORD)

    assert response.status_code == 302
    assert actions(action="staff.signed_in") == ["staff.signed_in"]


def test_it_refuses_staff_after_repeated_failures_even_with_the_right_password(dana: Any, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    client = Client()
    for _ in range(3):
        assert _try(client, "dana@example.com", "wrong-password").status_code == 200

    response = _try(client, "dana@example.com", PASSWORD)

    assert response.status_code == 200
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert actions(action="staff.sign_in_failed") == ["staff.sign_in_failed"] * 3


@pytest.mark.parametrize("who", ["nobody@example.com", "dana@example.com"])
def test_it_counts_failures_for_unknown_and_known_names_alike(dana: Any, settings: Any, who: str) -> None:
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    client = Client()
    _try(client, who, "wrong-password")
    _try(client, who, "wrong-password")

    assert "Too many failed attempts" in _try(client, who, "wrong-password").content.decode()


def test_it_refuses_a_patient_at_the_back_office(alice: Any) -> None:
    response = _try(Client(), "alice@example.com", PASSWORD)

    assert response.status_code == 200
    assert actions(action="staff.sign_in_failed") == ["staff.sign_in_failed"]
