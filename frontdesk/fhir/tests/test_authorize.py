"""SMART standalone launch: /auth/authorize/ (the signed-in patient approves or denies an app),
the authorization code + PKCE (S256) exchange and single-use refresh tokens at /auth/token/.

Alice approves "Health Diary", a public app registered with https://diary.example/callback."""

from __future__ import annotations

import base64
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine
from constance.test import override_config
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD, make_patient
from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Patient
from frontdesk.fhir import services
from frontdesk.fhir.models import AccessToken, AuthorizationCode, token_digest
from frontdesk.fhir.services import NewClient, s256

REDIRECT = "https://diary.example/callback"
VERIFIER = secrets.token_urlsafe(48)


@pytest.fixture
def alice(db: Any) -> Patient:
    return make_patient("Alice", "Adams", email="alice@example.com")


@pytest.fixture
def charlie(db: Any) -> Patient:
    return make_patient("Charlie", "Chen", email="charlie@example.com")


@pytest.fixture
def app(db: Any) -> NewClient:
    return services.create_oauth_client(
        actor=Actor.system("tests"),
        name="Health Diary",
        allowed_scopes="patient/*.read patient/Appointment.* offline_access",
        redirect_uris=REDIRECT,
        is_public=True,
    )


@pytest.fixture
def alice_browser(alice: Patient) -> Client:
    browser = Client()
    browser.force_login(alice.user, backend="frontdesk.accounts.backends.IdentifierBackend")
    return browser


def authorize_params(app: NewClient, **changes: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": app.client.client_id,
        "redirect_uri": REDIRECT,
        "scope": "launch/patient openid fhirUser patient/Patient.read patient/Appointment.read offline_access",
        "state": "xyz-123",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
        "aud": "http://testserver/fhir",
    }
    params.update(changes)
    return {k: v for k, v in params.items() if v is not None}


def approve(browser: Client, app: NewClient, **changes: str) -> Any:
    return browser.post("/auth/authorize/", {**authorize_params(app, **changes), "decision": "approve"})


def query_of(response: Any) -> dict[str, str]:
    assert response.status_code == 302, response.content
    location = response["Location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(app: NewClient, issued_code: str, **changes: str) -> Any:
    data = {
        "grant_type": "authorization_code",
        "code": issued_code,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
        "client_id": app.client.client_id,
    }
    data.update(changes)
    return Client().post("/auth/token/", {k: v for k, v in data.items() if v is not None})


def test_it_runs_the_standalone_launch_end_to_end(
    alice_browser: Client, app: NewClient, alice: Patient, charlie: Patient
) -> None:
    page = alice_browser.get("/auth/authorize/?" + urlencode(authorize_params(app)))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Health Diary" in text
    assert "See your profile" in text and "See your appointments" in text and "Keep this access" in text
    assert '<form method="post"' in text and 'name="decision" value="approve"' in text
    assert "diary.example" in text

    redirected = approve(alice_browser, app)
    assert redirected["Location"].startswith(REDIRECT + "?")
    params = query_of(redirected)
    assert params["state"] == "xyz-123"
    stored = AuthorizationCode.objects.get()
    assert stored.digest == token_digest(params["code"]) and params["code"] not in stored.digest

    response = exchange(app, params["code"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["patient"] == alice.id
    assert body["need_patient_banner"] is True
    assert body["smart_style_url"].endswith("/auth/smart-style.json")
    assert body["scope"] == "launch/patient patient/Patient.read patient/Appointment.read offline_access"
    assert body["refresh_token"]
    assert response["Cache-Control"] == "no-store"

    api = Client(headers={"Authorization": f"Bearer {body['access_token']}"})
    assert api.get(f"/fhir/Patient/{alice.id}").status_code == 200
    assert api.get(f"/fhir/Patient/{charlie.id}").status_code == 404
    token = AccessToken.objects.get()
    assert (token.patient, token.user) == (alice, alice.user)
    assert AuditEntry.objects.filter(action="oauth_app.approved", patient_key=alice.id).exists()


def test_it_sends_a_signed_out_patient_to_sign_in_and_back(client: Client, app: NewClient, alice: Patient) -> None:
    url = "/auth/authorize/?" + urlencode(authorize_params(app))

    response = client.get(url)

    assert response.status_code == 302
    login = response["Location"]
    assert login.startswith("/accounts/login/?next=")
    back = client.post(login, {"identifier": "alice@example.com", "password": PASSWORD})
    assert back.status_code == 302
    assert back["Location"] == url
    assert client.get(url).status_code == 200


def test_a_denial_redirects_with_access_denied(alice_browser: Client, app: NewClient, alice: Patient) -> None:
    response = alice_browser.post("/auth/authorize/", {**authorize_params(app), "decision": "deny"})

    params = query_of(response)
    assert params["error"] == "access_denied"
    assert params["state"] == "xyz-123"
    assert "code" not in params
    assert not AuthorizationCode.objects.exists()
    assert AuditEntry.objects.filter(action="oauth_app.denied", patient_key=alice.id).exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"redirect_uri": "https://evil.example/callback"},
        {"redirect_uri": REDIRECT + "/more"},
        {"redirect_uri": REDIRECT + "?x=1"},
        {"redirect_uri": None},
        {"client_id": "no-such-app"},
        {"client_id": None},
    ],
)
def test_it_never_redirects_to_an_unregistered_uri_or_for_an_unknown_app(
    alice_browser: Client, app: NewClient, changes: dict[str, str]
) -> None:
    for response in (
        alice_browser.get("/auth/authorize/?" + urlencode(authorize_params(app, **changes))),
        approve(alice_browser, app, **changes),
    ):
        assert response.status_code == 400
        assert "Location" not in response
        assert "cannot be connected" in response.content.decode()
    assert not AuthorizationCode.objects.exists()


def test_an_inactive_app_gets_the_error_page(alice_browser: Client, app: NewClient) -> None:
    app.client.is_active = False
    services.update_oauth_client(actor=Actor.system("tests"), client=app.client)

    response = alice_browser.get("/auth/authorize/?" + urlencode(authorize_params(app)))

    assert response.status_code == 400
    assert "Location" not in response


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"aud": "https://other.example/fhir"}, "invalid_request"),
        ({"scope": "system/*.read"}, "invalid_scope"),
        ({"scope": "launch/patient openid"}, "invalid_scope"),
        ({"scope": "patient/Appointment.read user/*.read"}, "invalid_scope"),
        ({"scope": "patient/Patient.write"}, "invalid_scope"),
    ],
)
def test_it_redirects_other_errors_to_the_registered_uri(
    alice_browser: Client, app: NewClient, changes: dict[str, str], error: str
) -> None:
    for response in (
        alice_browser.get("/auth/authorize/?" + urlencode(authorize_params(app, **changes))),
        approve(alice_browser, app, **changes),
    ):
        assert response["Location"].startswith(REDIRECT + "?")
        params = query_of(response)
        assert params["error"] == error
        assert params["state"] == "xyz-123"
        assert "code" not in params


def test_offline_access_needs_the_clients_permission(alice_browser: Client, db: Any) -> None:
    app = services.create_oauth_client(
        actor=Actor.system("tests"),
        name="Quick look",
        allowed_scopes="patient/*.read",
        redirect_uris=REDIRECT,
        is_public=True,
    )

    denied = approve(alice_browser, app)
    allowed = approve(alice_browser, app, scope="launch/patient patient/Patient.read")

    assert query_of(denied)["error"] == "invalid_scope"
    body = exchange(app, query_of(allowed)["code"]).json()
    assert "refresh_token" not in body
    assert body["scope"] == "launch/patient patient/Patient.read"


def test_only_a_patients_portal_account_can_approve(client: Client, app: NewClient, dana: Any) -> None:
    client.force_login(dana, backend="frontdesk.accounts.backends.IdentifierBackend")

    response = client.get("/auth/authorize/?" + urlencode(authorize_params(app)))

    assert response.status_code == 403
    assert "Location" not in response


def test_the_approval_needs_the_csrf_token(alice: Patient, app: NewClient) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice.user, backend="frontdesk.accounts.backends.IdentifierBackend")

    response = approve(browser, app)

    assert response.status_code == 403
    assert not AuthorizationCode.objects.exists()


def test_it_is_not_there_when_the_portal_is_switched_off(alice_browser: Client, app: NewClient) -> None:
    with override_config(ENABLE_PATIENT_PORTAL=False):
        response = alice_browser.get("/auth/authorize/?" + urlencode(authorize_params(app)))

    assert response.status_code == 404


# --- the code exchange -----------------------------------------------------------------------------


def test_a_code_works_once_and_a_replay_revokes_its_token(alice_browser: Client, app: NewClient) -> None:
    code = query_of(approve(alice_browser, app))["code"]

    first = exchange(app, code)
    second = exchange(app, code)

    assert first.status_code == 200
    assert (second.status_code, second.json()["error"]) == (400, "invalid_grant")
    assert AccessToken.objects.get().revoked_at is not None


def test_a_code_expires_after_five_minutes(alice_browser: Client, app: NewClient) -> None:
    with time_machine.travel(timezone.now(), tick=False) as clock:
        code = query_of(approve(alice_browser, app))["code"]
        clock.shift(timedelta(minutes=5, seconds=1))
        response = exchange(app, code)

    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    "changes",
    [
        {"code_verifier": secrets.token_urlsafe(48)},
        {"redirect_uri": "https://diary.example/other"},
        {"code": "not-a-code"},
    ],
)
def test_it_refuses_a_wrong_verifier_redirect_uri_or_code_and_spends_the_code(
    alice_browser: Client, app: NewClient, changes: dict[str, str]
) -> None:
    code = query_of(approve(alice_browser, app))["code"]

    wrong = exchange(app, code, **changes)
    right = exchange(app, code)

    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    if "code" in changes:  # an unknown code spends nothing
        assert right.status_code == 200
    else:
        assert (right.status_code, right.json()["error"]) == (400, "invalid_grant")
        assert not AccessToken.objects.exists()


@pytest.mark.parametrize("changes", [{"code_verifier": None}, {"code_verifier": "short"}, {"redirect_uri": None}])
def test_it_needs_the_verifier_and_redirect_uri(alice_browser: Client, app: NewClient, changes: dict[str, str]) -> None:
    code = query_of(approve(alice_browser, app))["code"]

    response = exchange(app, code, **changes)

    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


def test_another_clients_code_is_refused(alice_browser: Client, app: NewClient) -> None:
    other = services.create_oauth_client(
        actor=Actor.system("tests"),
        name="Other",
        allowed_scopes="patient/*.read",
        redirect_uris=REDIRECT,
        is_public=True,
    )
    code = query_of(approve(alice_browser, app))["code"]

    response = exchange(other, code)

    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def test_a_confidential_client_authenticates_at_the_exchange(alice_browser: Client, db: Any) -> None:
    app = services.create_oauth_client(
        actor=Actor.system("tests"), name="Clinic app", allowed_scopes="patient/*.read", redirect_uris=REDIRECT
    )
    first = query_of(approve(alice_browser, app, scope="patient/Patient.read"))["code"]
    second = query_of(approve(alice_browser, app, scope="patient/Patient.read"))["code"]

    without = exchange(app, first)
    with_secret = exchange(app, second, client_secret=app.secret)

    assert (without.status_code, without.json()["error"]) == (401, "invalid_client")
    assert with_secret.status_code == 200


def test_a_public_client_has_no_secret_and_no_client_credentials_grant(app: NewClient) -> None:
    assert app.secret == ""

    with_secret = Client().post(
        "/auth/token/",
        {"grant_type": "client_credentials", "client_id": app.client.client_id, "client_secret": "guess"},
    )
    without = Client().post("/auth/token/", {"grant_type": "client_credentials", "client_id": app.client.client_id})

    assert (with_secret.status_code, with_secret.json()["error"]) == (401, "invalid_client")
    assert (without.status_code, without.json()["error"]) == (400, "unauthorized_client")


# --- refresh tokens --------------------------------------------------------------------------------


def refresh(app: NewClient, token: str, **extra: str) -> Any:
    data = {"grant_type": "refresh_token", "refresh_token": token, "client_id": app.client.client_id, **extra}
    return Client().post("/auth/token/", data)


def test_a_refresh_token_works_once_and_brings_a_new_one(alice_browser: Client, app: NewClient, alice: Patient) -> None:
    issued = exchange(app, query_of(approve(alice_browser, app))["code"]).json()

    renewed = refresh(app, issued["refresh_token"])
    again = refresh(app, issued["refresh_token"])

    assert renewed.status_code == 200, renewed.content
    body = renewed.json()
    assert body["patient"] == alice.id
    assert body["scope"] == issued["scope"]
    assert body["refresh_token"] != issued["refresh_token"]
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    assert refresh(app, body["refresh_token"]).status_code == 200


def test_a_refresh_may_narrow_but_not_widen_the_scope(alice_browser: Client, app: NewClient) -> None:
    issued = exchange(app, query_of(approve(alice_browser, app))["code"]).json()

    wider = refresh(app, issued["refresh_token"], scope="patient/Condition.read")
    narrower = refresh(app, issued["refresh_token"], scope="patient/Patient.read")

    assert (wider.status_code, wider.json()["error"]) == (400, "invalid_scope")
    assert narrower.status_code == 200
    assert narrower.json()["scope"] == "patient/Patient.read"
    assert "refresh_token" not in narrower.json()


def test_a_refresh_token_dies_with_its_token_its_client_or_the_patients_access(
    alice_browser: Client, app: NewClient, alice: Patient
) -> None:
    tokens = [exchange(app, query_of(approve(alice_browser, app))["code"]).json()["refresh_token"] for _ in range(3)]
    services.revoke_access_token(
        actor=Actor.system("tests"), token=AccessToken.objects.get(refresh_digest=token_digest(tokens[0]))
    )
    Patient.objects.filter(pk=alice.pk).update(active=False)

    assert refresh(app, tokens[0]).json()["error"] == "invalid_grant"
    assert refresh(app, tokens[1]).json()["error"] == "invalid_grant"
    assert refresh(app, "made-up").json()["error"] == "invalid_grant"


def test_a_native_app_gets_its_code_at_its_private_use_scheme(alice_browser: Client, db: Any) -> None:
    native = "com.diary.app:/oauth/callback"
    app = services.create_oauth_client(
        actor=Actor.system("tests"), name="Diary", allowed_scopes="patient/*.read", redirect_uris=native, is_public=True
    )

    response = approve(alice_browser, app, redirect_uri=native, scope="patient/Patient.read")

    assert response["Location"].startswith(native + "?code=")
    code = query_of(response)["code"]
    exchanged = Client().post(
        "/auth/token/",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": native, "code_verifier": VERIFIER},
        headers={"Authorization": "Basic " + base64.b64encode(f"{app.client.client_id}:".encode()).decode()},
    )
    assert exchanged.status_code == 200, exchanged.content


def test_a_replayed_code_revokes_the_tokens_refreshed_from_it_too(alice_browser: Client, app: NewClient) -> None:
    code = query_of(approve(alice_browser, app))["code"]
    issued = exchange(app, code).json()
    renewed = refresh(app, issued["refresh_token"]).json()

    assert exchange(app, code).json()["error"] == "invalid_grant"

    assert not AccessToken.objects.filter(revoked_at__isnull=True).exists()
    assert refresh(app, renewed["refresh_token"]).json()["error"] == "invalid_grant"
