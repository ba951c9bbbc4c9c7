"""Test helpers for connected apps: register a SMART app and connect it to a patient the way a
patient does (approve at /auth/authorize/, the app exchanges the code at /auth/token/)."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.test import Client

from frontdesk.audit.services import Actor
from frontdesk.fhir import services
from frontdesk.fhir.services import NewClient, s256

REDIRECT = "https://diary.example/callback"
VERIFIER = secrets.token_urlsafe(48)
SCOPE = "launch/patient patient/Patient.read patient/Appointment.read offline_access"


def register_app(name: str = "Health Diary") -> NewClient:
    return services.create_oauth_client(
        actor=Actor.system("tests"),
        name=name,
        allowed_scopes="patient/*.read patient/Appointment.* offline_access",
        redirect_uris=REDIRECT,
        is_public=True,
    )


def approve(patient: Any, app: NewClient, scope: str = SCOPE) -> str:
    """Return the authorization code `patient` gets by approving `app` in their browser."""
    browser = Client()
    browser.force_login(patient.user, backend="frontdesk.accounts.backends.IdentifierBackend")
    response = browser.post(
        "/auth/authorize/",
        {
            "response_type": "code",
            "client_id": app.client.client_id,
            "redirect_uri": REDIRECT,
            "scope": scope,
            "state": "s",
            "code_challenge": s256(VERIFIER),
            "code_challenge_method": "S256",
            "decision": "approve",
        },
    )
    assert response.status_code == 302, response.content
    return parse_qs(urlsplit(response["Location"]).query)["code"][0]


def exchange(app: NewClient, code: str) -> Any:
    return Client().post(
        "/auth/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": VERIFIER,
            "client_id": app.client.client_id,
        },
    )


def connect(patient: Any, app: NewClient, scope: str = SCOPE) -> dict[str, Any]:
    """Approve `app` as `patient` and return the token response (access_token, refresh_token, ...)."""
    response = exchange(app, approve(patient, app, scope))
    assert response.status_code == 200, response.content
    return dict(response.json())


def refresh(app: NewClient, refresh_token: str) -> Any:
    return Client().post(
        "/auth/token/",
        {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": app.client.client_id},
    )


def read_patient(access_token: str, patient: Any) -> int:
    """Return the status of GET /fhir/Patient/<id> with `access_token`."""
    return Client(headers={"Authorization": f"Bearer {access_token}"}).get(f"/fhir/Patient/{patient.id}").status_code
