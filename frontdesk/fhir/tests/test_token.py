"""POST /auth/token/: the client credentials grant, and every way it refuses (RFC 6749 §5.2)."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any
from urllib.parse import quote_plus

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.fhir import services
from frontdesk.fhir.models import AccessToken, token_digest
from frontdesk.fhir.services import NewClient


def request_token(client: Client, new: NewClient, **extra: str) -> Any:
    data = {"grant_type": "client_credentials", "client_id": new.client.client_id, "client_secret": new.secret}
    data.update(extra)
    return client.post("/auth/token/", {k: v for k, v in data.items() if v is not None})


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()).decode()


def test_it_issues_a_ten_hour_bearer_token_with_the_clients_scopes(client: Client, oauth_client: NewClient) -> None:
    response = request_token(client, oauth_client)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 36000
    assert body["scope"] == "system/*.*"
    assert "refresh_token" not in body
    stored = AccessToken.objects.get()
    assert stored.digest == token_digest(body["access_token"])
    assert body["access_token"] not in stored.digest
    assert stored.expires_at - stored.created == pytest.approx(timedelta(hours=10), abs=timedelta(seconds=5))
    entry = AuditEntry.objects.get(action="oauth_token.issued")
    assert entry.actor_label == f"system:oauth-client:{oauth_client.client.client_id}"


def test_it_narrows_the_token_to_the_requested_scopes(client: Client, oauth_client: NewClient) -> None:
    response = request_token(client, oauth_client, scope="system/Schedule.read system/Slot.read")

    assert response.status_code == 200
    assert response.json()["scope"] == "system/Schedule.read system/Slot.read"


def test_it_accepts_http_basic_client_authentication(client: Client, oauth_client: NewClient) -> None:
    response = client.post(
        "/auth/token/",
        {"grant_type": "client_credentials"},
        headers={"Authorization": basic(oauth_client.client.client_id, oauth_client.secret)},
    )

    assert response.status_code == 200
    assert response.json()["access_token"]


def test_it_refuses_a_wrong_secret_as_invalid_client(client: Client, oauth_client: NewClient) -> None:
    response = request_token(client, oauth_client, client_secret="not-the-secret")

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response["Cache-Control"] == "no-store"
    assert response["WWW-Authenticate"].startswith("Basic")
    assert not AccessToken.objects.exists()


def test_it_refuses_a_wrong_basic_secret(client: Client, oauth_client: NewClient) -> None:
    response = client.post(
        "/auth/token/",
        {"grant_type": "client_credentials"},
        headers={"Authorization": basic(oauth_client.client.client_id, "wrong")},
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_it_refuses_an_unknown_client_and_a_missing_secret(client: Client, oauth_client: NewClient) -> None:
    unknown = request_token(client, oauth_client, client_id="no-such-client")
    missing = request_token(client, oauth_client, client_secret=None)

    assert (unknown.status_code, unknown.json()["error"]) == (401, "invalid_client")
    assert (missing.status_code, missing.json()["error"]) == (401, "invalid_client")


def test_it_refuses_an_inactive_client(client: Client, oauth_client: NewClient) -> None:
    oauth_client.client.is_active = False
    services.update_oauth_client(actor=Actor.system("tests"), client=oauth_client.client, changed=["is_active"])

    response = request_token(client, oauth_client)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize("grant_type", ["password", "implicit", "urn:ietf:params:oauth:grant-type:jwt-bearer"])
def test_it_refuses_other_grant_types(client: Client, oauth_client: NewClient, grant_type: str) -> None:
    response = request_token(client, oauth_client, grant_type=grant_type)

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    assert response["Cache-Control"] == "no-store"


def test_it_refuses_a_request_without_grant_type_or_with_a_repeated_parameter(
    client: Client, oauth_client: NewClient
) -> None:
    missing = request_token(client, oauth_client, grant_type=None)
    repeated = client.post(
        "/auth/token/",
        f"grant_type=client_credentials&client_id={oauth_client.client.client_id}&client_secret={oauth_client.secret}"
        "&scope=system/Slot.read&scope=system/*.*",
        content_type="application/x-www-form-urlencoded",
    )

    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    assert (repeated.status_code, repeated.json()["error"]) == (400, "invalid_request")


def test_it_refuses_two_client_authentication_methods(client: Client, oauth_client: NewClient) -> None:
    response = client.post(
        "/auth/token/",
        {"grant_type": "client_credentials", "client_secret": oauth_client.secret},
        headers={"Authorization": basic(oauth_client.client.client_id, oauth_client.secret)},
    )

    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


def test_it_refuses_a_scope_beyond_what_the_client_is_allowed(client: Client, db: Any) -> None:
    narrow = services.create_oauth_client(
        actor=Actor.system("tests"), name="Read-only", allowed_scopes="system/Practitioner.read system/Slot.read"
    )

    response = request_token(client, narrow, scope="system/Practitioner.read system/Appointment.write")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    assert not AccessToken.objects.exists()


@pytest.mark.parametrize("scope", ["patient/Patient.see", "system/Practitioner", "user/*.read"])
def test_it_refuses_a_malformed_scope(client: Client, oauth_client: NewClient, scope: str) -> None:
    response = request_token(client, oauth_client, scope=scope)

    assert (response.status_code, response.json()["error"]) == (400, "invalid_scope")
    assert scope in response.json()["error_description"]


@pytest.mark.parametrize("scope", ["openid", "offline_access", "launch/patient"])
def test_it_refuses_launch_scopes_on_the_client_credentials_grant(
    client: Client, oauth_client: NewClient, scope: str
) -> None:
    response = request_token(client, oauth_client, scope=f"system/Slot.read {scope}")

    assert (response.status_code, response.json()["error"]) == (400, "invalid_scope")


def test_it_answers_only_post(client: Client, db: Any) -> None:
    assert client.get("/auth/token/").status_code == 405


def test_it_stops_accepting_a_token_after_ten_hours(client: Client, oauth_client: NewClient, boston: Any) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        token = request_token(client, oauth_client).json()["access_token"]
        api = Client(headers={"Authorization": f"Bearer {token}"})
        clock.shift(timedelta(hours=9, minutes=59))
        assert api.get("/fhir/Location").status_code == 200
        clock.shift(timedelta(minutes=1))
        expired = api.get("/fhir/Location")

    assert expired.status_code == 401
    assert expired["WWW-Authenticate"] == 'Bearer realm="frontdesk", error="invalid_token"'
