"""`revoke_app_access`: a patient ends an app's access to their record. Every token of the app
bound to the patient is revoked with its refresh token, codes not yet exchanged are spent, other
patients and other apps keep theirs, and a repeat changes nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from conftest import make_patient
from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Patient
from frontdesk.fhir import services
from frontdesk.fhir.models import AccessToken, AuthorizationCode, connected_apps, token_digest
from frontdesk.fhir.services import InvalidGrant, NewClient
from frontdesk.fhir.tests.smart_apps import approve, connect, exchange, read_patient, refresh, register_app


@pytest.fixture
def alice(db: Any) -> Patient:
    return make_patient("Alice", "Adams", email="alice@example.com")


@pytest.fixture
def charlie(db: Any) -> Patient:
    return make_patient("Charlie", "Chen", email="charlie@example.com")


@pytest.fixture
def app(db: Any) -> NewClient:
    return register_app("Health Diary")


def _revoke(patient: Patient, app: NewClient) -> int:
    return services.revoke_app_access(actor=Actor.for_user(patient.user), patient=patient, client=app.client)


def test_it_revokes_every_token_of_the_app_for_the_patient_only(
    alice: Patient, charlie: Patient, app: NewClient
) -> None:
    other = register_app("Step Counter")
    first = connect(alice, app)
    second = refresh(app, first["refresh_token"]).json()
    charlies, alices_other = connect(charlie, app), connect(alice, other)

    assert _revoke(alice, app) == 2

    assert [read_patient(t["access_token"], alice) for t in (first, second)] == [401, 401]
    assert refresh(app, second["refresh_token"]).json()["error"] == "invalid_grant"
    assert read_patient(charlies["access_token"], charlie) == 200
    assert read_patient(alices_other["access_token"], alice) == 200
    assert [a.name for a in connected_apps(alice, now=timezone.now())] == ["Step Counter"]


def test_a_revoked_tokens_refresh_token_cannot_be_used_even_after_the_token_expired(
    alice: Patient, app: NewClient
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        issued = connect(alice, app)
        clock.shift(timedelta(hours=11))  # the access token expired; its refresh token alone is live
        assert [a.name for a in connected_apps(alice, now=timezone.now())] == ["Health Diary"]

        assert _revoke(alice, app) == 1

        response = refresh(app, issued["refresh_token"])
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")
    token = AccessToken.objects.get()
    assert token.revoked_at is not None and token.refresh_used_at == token.revoked_at


def test_a_refresh_that_read_its_token_before_the_revocation_loses_its_claim(
    alice: Patient, app: NewClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = connect(alice, app)
    is_live = AccessToken.is_live

    def revoked_meanwhile(token: AccessToken) -> bool:
        _revoke(alice, app)  # as if committed between the refresh's read and its claim
        return is_live(token)

    monkeypatch.setattr(AccessToken, "is_live", revoked_meanwhile)

    with pytest.raises(InvalidGrant):
        services.refresh_access_token(actor=Actor.anonymous(), client=app.client, raw_refresh=issued["refresh_token"])
    assert AccessToken.objects.count() == 1  # no new token (the failed refresh rolled back the revocation too)


def test_it_spends_the_codes_not_exchanged_yet_and_keeps_them(alice: Patient, app: NewClient) -> None:
    code = approve(alice, app)

    assert _revoke(alice, app) == 0

    stored = AuthorizationCode.objects.get(digest=token_digest(code))
    assert stored.used_at is not None
    assert exchange(app, code).json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_it_is_idempotent_and_audited_once(alice: Patient, app: NewClient) -> None:
    connect(alice, app)
    approve(alice, app)

    assert _revoke(alice, app) == 1
    first = AccessToken.objects.get().revoked_at
    assert _revoke(alice, app) == 0

    assert AccessToken.objects.get().revoked_at == first
    entry = AuditEntry.objects.get(action="oauth_app.revoked")
    assert entry.patient_key == alice.id
    assert (entry.target_type, entry.target_id) == ("OAuthClient", str(app.client.pk))
    assert entry.detail == {"client_id": app.client.client_id, "tokens": 1, "codes": 1}


# --- racing a refresh on PostgreSQL (two connections; SQLite serialises writers anyway) -------------

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")


def _in_thread(work: Callable[[], object]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        finally:
            connection.close()  # the thread's own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_revocation_committed_after_a_refresh_read_its_token_wins(
    alice: Patient, app: NewClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = connect(alice, app)
    is_live = AccessToken.is_live

    def revoked_meanwhile(token: AccessToken) -> bool:
        _in_thread(lambda: _revoke(alice, app)).join()  # commits between the refresh's read and its claim
        return is_live(token)

    monkeypatch.setattr(AccessToken, "is_live", revoked_meanwhile)

    with pytest.raises(InvalidGrant):
        services.refresh_access_token(actor=Actor.anonymous(), client=app.client, raw_refresh=issued["refresh_token"])
    assert AccessToken.objects.count() == 1  # no new token: the refresh lost its claim
    assert AccessToken.objects.get().revoked_at is not None


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_token_refreshed_while_the_revocation_waits_is_revoked_too(
    alice: Patient, app: NewClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = connect(alice, app)
    new_token = services._new_token
    revocations: list[threading.Thread] = []

    def revoked_meanwhile(**kwargs: Any) -> services.IssuedToken:
        # The refresh holds its claimed token's row lock: the revocation waits for it to commit.
        revocations.append(_in_thread(lambda: _revoke(alice, app)))
        time.sleep(0.3)
        return new_token(**kwargs)

    monkeypatch.setattr(services, "_new_token", revoked_meanwhile)

    renewed = services.refresh_access_token(
        actor=Actor.anonymous(), client=app.client, raw_refresh=issued["refresh_token"]
    )
    revocations[0].join()

    assert AccessToken.objects.count() == 2
    assert not AccessToken.objects.filter(revoked_at__isnull=True).exists()
    assert refresh(app, renewed.refresh).json()["error"] == "invalid_grant"
