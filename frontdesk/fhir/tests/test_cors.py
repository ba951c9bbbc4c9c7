"""A SMART app running in a browser calls the token endpoint and the FHIR API from its own origin:
preflights are answered, responses are readable cross-origin, and nothing else changes."""

from __future__ import annotations

from typing import Any

from django.test import Client

ORIGIN = "https://diary.example"


def test_it_answers_a_preflight_for_the_api_without_a_token(client: Client, db: Any) -> None:
    response = client.options(
        "/fhir/Appointment",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Authorization" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


def test_cross_origin_responses_are_readable_and_expose_location(api: Client, boston: Any) -> None:
    response = api.get(f"/fhir/Location/{boston.id}", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Location" in response["Access-Control-Expose-Headers"]
    denied = Client().get("/fhir/Location", headers={"Origin": ORIGIN})
    assert denied.status_code == 401
    assert denied["Access-Control-Allow-Origin"] == "*"  # the app can read why


def test_the_token_endpoint_allows_browser_apps(client: Client, db: Any) -> None:
    preflight = client.options("/auth/token/", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204
    refused = client.post("/auth/token/", {"grant_type": "client_credentials"}, headers={"Origin": ORIGIN})
    assert refused["Access-Control-Allow-Origin"] == "*"


def test_portal_pages_and_the_authorize_page_get_no_cors_headers(client: Client, db: Any) -> None:
    for path in ("/auth/authorize/", "/", "/accounts/login/", "/healthz"):
        response = client.get(path, headers={"Origin": ORIGIN})
        assert "Access-Control-Allow-Origin" not in response, path
    plain = client.options("/fhir/Location", headers={"Origin": ORIGIN})  # not a preflight: the view answers
    assert plain.status_code in (401, 405)
