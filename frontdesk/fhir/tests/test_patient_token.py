"""POST /auth/token/ with `patient=`: a client-credentials token bound to one patient, with
patient/<Type>.<read|write|*> scopes (reference §0 "Patient Scoped Tokens")."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Patient
from frontdesk.fhir import services
from frontdesk.fhir.models import AccessToken
from frontdesk.fhir.services import NewClient


def request_token(client: Client, new: NewClient, **extra: str) -> Any:
    data = {"grant_type": "client_credentials", "client_id": new.client.client_id, "client_secret": new.secret}
    data.update(extra)
    return client.post("/auth/token/", data)


def test_it_issues_a_token_bound_to_the_patient(client: Client, oauth_client: NewClient, alice: Patient) -> None:
    response = request_token(client, oauth_client, patient=alice.id, scope="patient/Patient.read patient/Appointment.*")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scope"] == "patient/Patient.read patient/Appointment.*"
    assert body["patient"] == alice.id
    assert body["need_patient_banner"] is True
    assert body["smart_style_url"] == "http://testserver/auth/smart-style.json"
    assert body["expires_in"] == 36000
    assert "refresh_token" not in body
    assert AccessToken.objects.get().patient == alice
    entry = AuditEntry.objects.get(action="oauth_token.issued")
    assert entry.patient_key == alice.id
    style = client.get(body["smart_style_url"])
    assert style.status_code == 200 and "color_highlight" in style.json()


@pytest.mark.parametrize(
    "scope",
    [
        "",
        "system/Patient.read",
        "patient/Patient.read system/Slot.read",
        "patient/Patient.read offline_access",
        "openid",
    ],
)
def test_it_refuses_a_patient_request_without_only_patient_scopes(
    client: Client, oauth_client: NewClient, alice: Patient, scope: str
) -> None:
    response = request_token(client, oauth_client, patient=alice.id, scope=scope)

    assert (response.status_code, response.json()["error"]) == (400, "invalid_scope")
    assert not AccessToken.objects.exists()


def test_it_refuses_patient_scopes_without_a_patient(client: Client, oauth_client: NewClient) -> None:
    response = request_token(client, oauth_client, scope="patient/Patient.read")

    assert (response.status_code, response.json()["error"]) == (400, "invalid_scope")


@pytest.mark.parametrize("patient", ["", "no-such-patient", "inactive"])
def test_it_refuses_an_unknown_or_inactive_patient(
    client: Client, oauth_client: NewClient, charlie: Patient, patient: str
) -> None:
    if patient == "inactive":
        Patient.objects.filter(pk=charlie.pk).update(active=False)
        patient = charlie.id

    response = request_token(client, oauth_client, patient=patient, scope="patient/Patient.read")

    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


@pytest.mark.parametrize(
    ("allowed", "requested", "granted"),
    [
        ("system/*.*", "patient/*.*", True),
        ("system/Appointment.read", "patient/Appointment.read", True),
        ("patient/Appointment.*", "patient/Appointment.write", True),
        ("patient/Appointment.read", "patient/Appointment.write", False),
        ("patient/*.read", "patient/Patient.read patient/Condition.read", True),
        ("system/Slot.read", "patient/Patient.read", False),
    ],
)
def test_the_clients_allowed_scopes_must_cover_the_request(
    client: Client, alice: Patient, allowed: str, requested: str, granted: bool
) -> None:
    new = services.create_oauth_client(actor=Actor.system("tests"), name="App", allowed_scopes=allowed)

    response = request_token(client, new, patient=alice.id, scope=requested)

    assert (response.status_code == 200) is granted, response.content
    if not granted:
        assert response.json()["error"] == "invalid_scope"


def test_a_client_with_only_patient_scopes_gets_no_system_token(client: Client, db: Any) -> None:
    new = services.create_oauth_client(actor=Actor.system("tests"), name="App", allowed_scopes="patient/*.read")

    response = request_token(client, new)

    assert (response.status_code, response.json()["error"]) == (400, "invalid_scope")
