"""Registering patient-facing apps: public or confidential, exact redirect URIs, patient/ scopes,
in the back office and from the command line; tokens show the patient they are bound to."""

from __future__ import annotations

import re
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Patient
from frontdesk.clinic.services import create_patient
from frontdesk.fhir import services
from frontdesk.fhir.models import OAuthClient
from frontdesk.fhir.scopes import parse_scopes


def test_staff_register_a_public_app_with_redirect_uris_in_the_back_office(dana_client: Client) -> None:
    response = dana_client.post(
        "/admin/fhir/oauthclient/add/",
        {
            "name": "Health Diary",
            "is_public": "on",
            "allowed_scopes": "patient/*.read offline_access",
            "redirect_uris": "https://diary.example/callback\ncom.diary.app:/callback\nhttps://diary.example/callback",
        },
        follow=True,
    )

    assert response.status_code == 200
    stored = OAuthClient.objects.get()
    assert stored.is_public
    assert stored.redirect_uri_list == ["https://diary.example/callback", "com.diary.app:/callback"]
    assert not stored.check_secret("")
    text = response.content.decode()
    assert "a public client has no secret" in text
    assert "client secret:" not in text
    entry = AuditEntry.objects.get(action="oauth_client.created")
    assert entry.detail["public"] is True


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"redirect_uris": "http://diary.example/callback"}, "is not a redirect URI"),
        ({"redirect_uris": "javascript:alert(1)"}, "is not a redirect URI"),
        ({"redirect_uris": "https://diary.example/cb#frag"}, "has a fragment"),
        ({"is_public": "on", "allowed_scopes": "system/*.*"}, "cannot have system/ scopes"),
        ({"allowed_scopes": "user/*.read"}, "is not a scope of the form"),
    ],
)
def test_the_back_office_refuses_bad_redirect_uris_and_scopes(
    dana_client: Client, fields: dict[str, str], message: str
) -> None:
    data = {"name": "App", "allowed_scopes": "patient/*.read", "redirect_uris": "https://a.example/cb", **fields}

    response = dana_client.post("/admin/fhir/oauthclient/add/", data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not OAuthClient.objects.exists()


@pytest.mark.parametrize(
    "uri", ["https://a.example/cb", "http://localhost:8080/cb", "http://127.0.0.1/cb", "org.example.app:/oauth"]
)
def test_it_accepts_https_loopback_and_private_use_redirect_uris(db: Any, uri: str) -> None:
    new = services.create_oauth_client(
        actor=Actor.system("tests"), name="App", allowed_scopes="patient/*.read", redirect_uris=uri
    )

    assert new.client.has_redirect_uri(uri)
    assert not new.client.has_redirect_uri(uri + "x")


def test_a_public_client_cannot_be_given_system_scopes_later(db: Any) -> None:
    new = services.create_oauth_client(
        actor=Actor.system("tests"), name="App", allowed_scopes="patient/*.read", is_public=True
    )
    new.client.allowed_scopes = "system/*.*"

    with pytest.raises(ValidationError):
        services.update_oauth_client(actor=Actor.system("tests"), client=new.client, changed=["allowed_scopes"])


def test_it_registers_a_public_app_from_the_command_line(db: Any) -> None:
    out = StringIO()

    call_command(
        "oauth",
        "create-client",
        "Health Diary",
        "--public",
        "--scope",
        "patient/*.read",
        "--redirect-uri",
        "https://diary.example/callback",
        stdout=out,
    )

    stored = OAuthClient.objects.get()
    assert stored.is_public and stored.redirect_uri_list == ["https://diary.example/callback"]
    assert "(none: a public client)" in out.getvalue()
    assert re.search(r"redirect_uri:\s+https://diary.example/callback", out.getvalue())


def test_the_token_list_shows_the_bound_patient(dana_client: Client, db: Any) -> None:
    patient: Patient = create_patient(
        actor=Actor.system("tests"), first_name="Alice", last_name="Adams", birth_date=date(1990, 1, 1)
    )
    new = services.create_oauth_client(actor=Actor.system("tests"), name="Acme")
    issued = services.issue_access_token(
        actor=Actor.system("tests"),
        client=new.client,
        requested=parse_scopes("patient/Patient.read"),
        patient=patient,
    )

    listing = dana_client.get("/admin/fhir/accesstoken/")
    detail = dana_client.get(f"/admin/fhir/accesstoken/{issued.token.pk}/change/")

    assert listing.status_code == 200
    assert "Alice" in listing.content.decode()
    assert detail.status_code == 200
    assert "Alice" in detail.content.decode()
