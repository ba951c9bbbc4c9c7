"""A NUL character anywhere in a request (path, query, form, JSON body) is bad input: a 400 that
names it, on SQLite and on PostgreSQL alike (PostgreSQL refuses NUL in text, which was a 500)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from frontdesk.clinic.models import Patient
from frontdesk.fhir.tests.conftest import parse


@pytest.mark.parametrize(
    "path",
    ["/fhir/Patient?name=a%00b", "/fhir/Patient?na%00me=a", "/fhir/Patient/ab%00cd", "/fhir/Patient/a%00/_history"],
)
def test_the_api_refuses_nul_in_the_address(api: Client, db: Any, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 400, path
    assert "NUL" in parse(response)["issue"][0]["diagnostics"]


def test_the_api_refuses_nul_in_a_body_and_writes_nothing(api: Client, db: Any) -> None:
    before = Patient.objects.count()
    body = {
        "resourceType": "Patient",
        "name": [{"use": "official", "family": "Nul\u0000", "given": ["Nora"]}],
        "gender": "female",
        "birthDate": "1990-01-01",
    }
    response = api.post("/fhir/Patient", json.dumps(body), content_type="application/fhir+json")
    assert response.status_code == 400
    assert Patient.objects.count() == before


@pytest.mark.parametrize("field", ["client_id", "client_secret", "patient", "scope"])
def test_the_token_endpoint_refuses_nul(client: Client, oauth_client: Any, field: str) -> None:
    data = {
        "grant_type": "client_credentials",
        "client_id": oauth_client.client.client_id,
        "client_secret": oauth_client.secret,
    }
    data[field] = data.get(field, "x") + "\u0000"
    response = client.post("/auth/token/", data)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_the_authorize_page_refuses_nul(client: Client, db: Any) -> None:
    response = client.get("/auth/authorize/?client_id=a%00b&redirect_uri=https://x.example/cb")
    assert response.status_code == 400
