"""A patient revokes an app on the Account page: its access and refresh tokens stop working at
once, for that patient only, and the revocation is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from frontdesk.audit.models import AuditEntry
from frontdesk.fhir.models import AccessToken
from frontdesk.fhir.services import NewClient
from frontdesk.fhir.tests.smart_apps import approve, connect, exchange, read_patient, refresh, register_app

UNKNOWN_ID = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def app(db: Any) -> NewClient:
    return register_app("Health Diary")


def _revoke_url(app: NewClient) -> str:
    return f"/account/apps/{app.client.client_id}/revoke/"


def test_it_revokes_alices_app(alice_client: Any, alice: Any, app: NewClient) -> None:
    issued = connect(alice, app)
    assert read_patient(issued["access_token"], alice) == 200

    response = alice_client.post(_revoke_url(app), follow=True)

    assert response.redirect_chain == [("/account/", 302)]
    text = response.content.decode()
    assert "Health Diary can no longer reach your record." in text
    assert "No apps are connected." in text
    assert read_patient(issued["access_token"], alice) == 401
    renewed = refresh(app, issued["refresh_token"])
    assert (renewed.status_code, renewed.json()["error"]) == (400, "invalid_grant")


def test_it_spends_a_code_the_app_has_not_exchanged_yet(alice_client: Any, alice: Any, app: NewClient) -> None:
    connect(alice, app)
    code = approve(alice, app)

    alice_client.post(_revoke_url(app))

    response = exchange(app, code)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")
    assert not AccessToken.objects.filter(revoked_at__isnull=True).exists()


def test_charlies_grant_for_the_same_app_still_works(
    alice_client: Any, alice: Any, charlie: Any, app: NewClient
) -> None:
    alices, charlies = connect(alice, app), connect(charlie, app)

    alice_client.post(_revoke_url(app))

    assert read_patient(alices["access_token"], alice) == 401
    assert read_patient(charlies["access_token"], charlie) == 200
    assert refresh(app, charlies["refresh_token"]).status_code == 200


def test_another_patient_is_denied(alice: Any, charlie: Any, app: NewClient) -> None:
    alices = connect(alice, app)
    browser = Client()
    browser.force_login(charlie.user, backend="frontdesk.accounts.backends.IdentifierBackend")

    for url in (_revoke_url(app), f"/account/apps/{UNKNOWN_ID}/revoke/", "/account/apps/%00/revoke/"):
        assert browser.post(url).status_code == 404, url

    assert read_patient(alices["access_token"], alice) == 200
    assert not AuditEntry.objects.filter(action="oauth_app.revoked").exists()


def test_it_only_takes_a_post(alice_client: Any, alice: Any, app: NewClient) -> None:
    issued = connect(alice, app)

    assert alice_client.get(_revoke_url(app)).status_code == 405

    assert read_patient(issued["access_token"], alice) == 200


def test_it_needs_the_csrf_token(alice: Any, app: NewClient) -> None:
    issued = connect(alice, app)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice.user, backend="frontdesk.accounts.backends.IdentifierBackend")

    assert browser.post(_revoke_url(app)).status_code == 403

    assert read_patient(issued["access_token"], alice) == 200


def test_it_sends_a_signed_out_visitor_to_sign_in(client: Client, alice: Any, app: NewClient) -> None:
    issued = connect(alice, app)

    response = client.post(_revoke_url(app))

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert read_patient(issued["access_token"], alice) == 200


def test_it_is_audited_once(alice_client: Any, alice: Any, app: NewClient) -> None:
    connect(alice, app)
    connect(alice, app)

    first = alice_client.post(_revoke_url(app))
    again = alice_client.post(_revoke_url(app))  # a double click

    assert (first.status_code, again.status_code) == (302, 302)
    entry = AuditEntry.objects.get(action="oauth_app.revoked")
    assert entry.patient_key == alice.id
    assert (entry.actor_kind, entry.actor_user_dbid) == ("patient", alice.user.dbid)
    assert entry.detail == {"client_id": app.client.client_id, "tokens": 2, "codes": 0}
