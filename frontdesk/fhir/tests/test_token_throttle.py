"""Failed client authentications at /auth/token/ (and bad approvals at /auth/authorize/) are
throttled per client_id and per client address, in the database (so across workers), with the
sign-in throttle's limits: 429, Retry-After and an RFC 6749-style JSON body."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from django.test import Client
from django.utils import timezone

from frontdesk.audit.models import AuditEntry
from frontdesk.fhir.models import ClientAuthFailure
from frontdesk.fhir.services import NewClient


def request_token(new: NewClient, secret: str, address: str = "203.0.113.5", client_id: str = "") -> Any:
    data = {
        "grant_type": "client_credentials",
        "client_id": client_id or new.client.client_id,
        "client_secret": secret,
    }
    return Client(REMOTE_ADDR=address).post("/auth/token/", data)


def test_it_throttles_a_client_id_after_repeated_failures(oauth_client: NewClient, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            assert request_token(oauth_client, "wrong").status_code == 401

        throttled = request_token(oauth_client, oauth_client.secret)
        other_address = request_token(oauth_client, oauth_client.secret, address="198.51.100.7")

        assert throttled.status_code == 429
        assert throttled.json()["error"] == "temporarily_unavailable"
        assert 0 < int(throttled["Retry-After"]) <= 15 * 60
        assert throttled["Cache-Control"] == "no-store"
        assert other_address.status_code == 429  # the client_id is throttled from everywhere

        clock.shift(timedelta(minutes=15, seconds=1))
        assert request_token(oauth_client, oauth_client.secret).status_code == 200
    assert AuditEntry.objects.filter(action="oauth_token.client_auth_failed").count() == 3


def test_it_throttles_an_address_trying_many_client_ids(oauth_client: NewClient, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    for n in range(4):
        assert request_token(oauth_client, "x", client_id=f"guess-{n}").status_code == 401

    same_address = request_token(oauth_client, oauth_client.secret)
    elsewhere = request_token(oauth_client, oauth_client.secret, address="198.51.100.7")

    assert same_address.status_code == 429
    assert elsewhere.status_code == 200


def test_a_success_clears_the_clients_failures(oauth_client: NewClient, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    for _ in range(2):
        request_token(oauth_client, "wrong")
    assert request_token(oauth_client, oauth_client.secret).status_code == 200

    for _ in range(2):
        request_token(oauth_client, "wrong")

    assert request_token(oauth_client, oauth_client.secret).status_code == 200
    assert not ClientAuthFailure.objects.filter(scope="client").exists()


def test_malformed_credentials_count_against_the_address(oauth_client: NewClient, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 2
    browser = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(2):
        assert (
            browser.post(
                "/auth/token/", {"grant_type": "client_credentials"}, headers={"Authorization": "Basic !!"}
            ).status_code
            == 401
        )

    assert request_token(oauth_client, oauth_client.secret).status_code == 429


def test_failed_code_exchanges_count_too(oauth_client: NewClient, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    data = {
        "grant_type": "authorization_code",
        "client_id": oauth_client.client.client_id,
        "client_secret": oauth_client.secret,
        "code": "guess",
        "redirect_uri": "https://app.example/cb",
        "code_verifier": "v" * 43,
    }
    for _ in range(2):
        assert Client().post("/auth/token/", data).json()["error"] == "invalid_grant"

    assert Client().post("/auth/token/", data).status_code == 429


def test_the_authorize_endpoint_throttles_bad_approvals(client: Client, db: Any, settings: Any) -> None:
    settings.LOGIN_FAILURES_PER_ADDRESS = 2
    for _ in range(2):
        assert client.post("/auth/authorize/", {"client_id": "guess", "decision": "approve"}).status_code == 400

    response = client.post("/auth/authorize/", {"client_id": "guess", "decision": "approve"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
