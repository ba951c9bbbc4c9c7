"""With ENABLE_PATIENT_PORTAL off, every patient-facing page answers 404, signed in or not."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from constance.test import override_config
from django.core import mail
from django.test import Client

from conftest import PASSWORD

PAGES = [
    ("get", "/accounts/login/"),
    ("post", "/accounts/login/"),
    ("get", "/accounts/password/forgot/"),
    ("post", "/accounts/password/forgot/"),
    ("get", "/accounts/activate/some-token/"),
    ("post", "/accounts/activate/some-token/"),
    ("get", "/accounts/password/reset/some-token/"),
    ("post", "/accounts/password/reset/some-token/"),
    ("get", "/"),
    ("get", "/health/"),
    ("get", "/account/"),
    ("get", "/account/password/"),
    ("post", "/account/password/"),
    ("get", "/account/sessions/end/"),
    ("post", "/account/sessions/end/"),
    ("get", f"/account/contact/{uuid.uuid4()}/send-code/"),
    ("post", f"/account/contact/{uuid.uuid4()}/send-code/"),
    ("get", f"/account/contact/{uuid.uuid4()}/verify/"),
    ("post", f"/account/contact/{uuid.uuid4()}/verify/"),
]


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "alice"])
def test_it_answers_404_everywhere(client: Any, alice: Any, signed_in: bool) -> None:
    if signed_in:
        client.force_login(alice.user, backend="frontdesk.accounts.backends.IdentifierBackend")
    data = {"identifier": "alice@example.com", "password": PASSWORD, "password_again": PASSWORD}
    with override_config(ENABLE_PATIENT_PORTAL=False):
        for method, url in PAGES:
            assert getattr(client, method)(url, data).status_code == 404, f"{method} {url}"
    assert mail.outbox == []


def test_it_refuses_sign_in_while_off_and_allows_it_when_back_on(alice: Any) -> None:
    client = Client()
    with override_config(ENABLE_PATIENT_PORTAL=False):
        client.post("/accounts/login/", {"identifier": "alice@example.com", "password": PASSWORD})
        assert "_auth_user_id" not in client.session
    response = client.post("/accounts/login/", {"identifier": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 302


def test_it_keeps_the_back_office_open(dana_client: Any) -> None:
    with override_config(ENABLE_PATIENT_PORTAL=False):
        assert dana_client.get("/admin/").status_code == 200
        assert dana_client.get("/admin/outbox/").status_code == 200
