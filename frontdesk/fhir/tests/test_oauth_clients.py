"""Registering OAuth clients: `frontdesk oauth create-client` and the back office both show the
secret exactly once and store only its hash."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from frontdesk.audit.models import AuditEntry
from frontdesk.fhir.models import AccessToken, OAuthClient


def get_token(client_id: str, secret: str, scope: str = "") -> Any:
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if scope:
        data["scope"] = scope
    return Client().post("/auth/token/", data)


def test_it_creates_a_client_from_the_command_line(db: Any) -> None:
    out = StringIO()

    call_command(
        "oauth", "create-client", "Acme scheduling", "--scope", "system/Schedule.read system/Slot.read", stdout=out
    )

    client_id = re.search(r"client_id:\s+(\S+)", out.getvalue())[1]  # type: ignore[index]
    secret = re.search(r"client_secret:\s+(\S+)", out.getvalue())[1]  # type: ignore[index]
    stored = OAuthClient.objects.get()
    assert (stored.name, stored.client_id) == ("Acme scheduling", client_id)
    assert stored.allowed_scopes == "system/Schedule.read system/Slot.read"
    assert secret not in stored.secret_hash
    assert stored.check_secret(secret)
    assert AuditEntry.objects.get(action="oauth_client.created").actor_label == "system:cli"
    assert get_token(client_id, secret).json()["scope"] == "system/Schedule.read system/Slot.read"


def test_it_defaults_to_every_scope(db: Any) -> None:
    call_command("oauth", "create-client", "Everything", stdout=StringIO())

    assert OAuthClient.objects.get().allowed_scopes == "system/*.*"


def test_it_refuses_a_malformed_scope_on_the_command_line(db: Any) -> None:
    with pytest.raises(CommandError, match=r"patient/Patient\.see"):
        call_command("oauth", "create-client", "Bad", "--scope", "patient/Patient.see", stdout=StringIO())
    assert not OAuthClient.objects.exists()


def test_it_shows_the_secret_once_when_staff_add_a_client_in_the_back_office(dana_client: Client, dana: Any) -> None:
    response = dana_client.post(
        "/admin/fhir/oauthclient/add/", {"name": "Acme", "allowed_scopes": "system/*.read"}, follow=True
    )

    assert response.status_code == 200
    text = response.content.decode()
    secret = re.search(r"client secret: (\S+) ", text)[1]  # type: ignore[index]
    stored = OAuthClient.objects.get()
    assert stored.client_id in text
    assert get_token(stored.client_id, secret).status_code == 200
    entry = AuditEntry.objects.get(action="oauth_client.created")
    assert entry.actor_user_dbid == dana.dbid
    again = dana_client.get(f"/admin/fhir/oauthclient/{stored.pk}/change/").content.decode()
    assert secret not in again


def test_it_refuses_malformed_scopes_in_the_back_office(dana_client: Client) -> None:
    response = dana_client.post("/admin/fhir/oauthclient/add/", {"name": "Acme", "allowed_scopes": "everything"})

    assert response.status_code == 200
    assert "is not a scope of the form" in response.content.decode()
    assert not OAuthClient.objects.exists()


def test_it_deactivates_a_client_in_the_back_office(dana_client: Client) -> None:
    call_command("oauth", "create-client", "Acme", stdout=StringIO())
    stored = OAuthClient.objects.get()

    response = dana_client.post(
        f"/admin/fhir/oauthclient/{stored.pk}/change/", {"name": "Acme", "allowed_scopes": "system/*.*"}
    )

    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.is_active is False
    assert AuditEntry.objects.filter(action="oauth_client.updated").exists()


def test_it_revokes_tokens_from_the_back_office(dana_client: Client) -> None:
    out = StringIO()
    call_command("oauth", "create-client", "Acme", stdout=out)
    client_id = re.search(r"client_id:\s+(\S+)", out.getvalue())[1]  # type: ignore[index]
    secret = re.search(r"client_secret:\s+(\S+)", out.getvalue())[1]  # type: ignore[index]
    token = get_token(client_id, secret).json()["access_token"]
    dana_client.post(
        "/admin/fhir/accesstoken/",
        {"action": "revoke", "_selected_action": [AccessToken.objects.get().pk]},
    )

    assert Client(headers={"Authorization": f"Bearer {token}"}).get("/fhir/Location").status_code == 401
    assert AuditEntry.objects.filter(action="oauth_token.revoked").exists()
