"""A patient connects an app (SMART standalone launch): the app sends Alice to /auth/authorize/,
she signs in with her portal account, reads what the app asks for, allows it with the keyboard,
and the app's code becomes a token that reads her record and not Charlie's. A second app she denies
gets access_denied. No JavaScript is needed on these pages."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from playwright.sync_api import expect

from .journey import sign_in

PASSWORD = "correct-horse-battery-9"  # the root conftest's persona password


def register_app(name: str, redirect_uri: str) -> Any:
    from frontdesk.audit.services import Actor
    from frontdesk.fhir import services

    return services.create_oauth_client(
        actor=Actor.system("tests"),
        name=name,
        allowed_scopes="patient/*.read offline_access",
        redirect_uris=redirect_uri,
        is_public=True,
    )


def authorize_url(app: Any, redirect_uri: str, challenge: str, base: str) -> str:
    return "/auth/authorize/?" + urlencode(
        {
            "response_type": "code",
            "client_id": app.client.client_id,
            "redirect_uri": redirect_uri,
            "scope": "launch/patient patient/Patient.read patient/Appointment.read offline_access",
            "state": "journey-state",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "aud": f"{base}/fhir",
        }
    )


@pytest.mark.browser
def test_a_patient_allows_one_app_and_denies_another(
    new_page: Any, live_server: Any, alice: Any, charlie: Any, shots_dir: Path
) -> None:
    redirect_uri = f"{live_server.url}/healthz"  # a loopback callback the app "listens" on
    diary = register_app("Health Diary", redirect_uri)
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    page = new_page()

    page.goto(authorize_url(diary, redirect_uri, challenge, live_server.url))
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    sign_in(page, identifier="alice@example.com", password=PASSWORD)

    expect(page.get_by_role("heading", level=1)).to_have_text("Connect Health Diary to your record?")
    permissions = page.locator("#authorize-permissions li")
    expect(permissions).to_have_text(
        [
            "See your profile (name, date of birth, contact details)",
            "See your appointments",
            "Keep this access after you close the app, without asking you again",
        ]
    )
    page.screenshot(path=str(shots_dir / "authorize-app.png"), full_page=True)
    allow = page.get_by_role("button", name="Allow")
    allow.focus()
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/healthz\?"))
    params = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    assert params["state"] == "journey-state"
    token = Client().post(
        "/auth/token/",
        {
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": diary.client.client_id,
        },
    )
    assert token.status_code == 200, token.content
    assert token.json()["patient"] == alice.id
    api = Client(headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert api.get(f"/fhir/Patient/{alice.id}").status_code == 200
    assert api.get(f"/fhir/Patient/{charlie.id}").status_code == 404

    other_uri = f"{live_server.url}/healthz?app=2"
    other = register_app("Ad Network", other_uri)
    page.goto(authorize_url(other, other_uri, challenge, live_server.url))
    expect(page.get_by_role("heading", level=1)).to_have_text("Connect Ad Network to your record?")
    page.get_by_role("button", name="Deny").click()
    page.wait_for_url(re.compile(r"error=access_denied"))
    assert "code=" not in page.url

    page.goto(authorize_url(other, "https://evil.example/steal", challenge, live_server.url))
    expect(page.get_by_role("heading", level=1)).to_have_text("This app cannot be connected")
    expect(page.get_by_role("alert")).to_contain_text("return address that is not registered")
