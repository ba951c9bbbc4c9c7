"""GET /fhir/.well-known/smart-configuration (SMART App Launch discovery) and the OAuth URIs in
the CapabilityStatement's rest.security."""

from __future__ import annotations

from typing import Any

from django.test import Client

from frontdesk.fhir.tests.conftest import parse

OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"


def test_it_publishes_the_smart_configuration_without_a_token(client: Client, db: Any) -> None:
    response = client.get("/fhir/.well-known/smart-configuration")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["issuer"] == "http://testserver/fhir"
    assert body["authorization_endpoint"] == "http://testserver/auth/authorize/"
    assert body["token_endpoint"] == "http://testserver/auth/token/"
    assert body["grant_types_supported"] == ["authorization_code", "client_credentials", "refresh_token"]
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["response_types_supported"] == ["code"]
    assert {"launch/patient", "offline_access", "patient/*.read", "system/*.*"} <= set(body["scopes_supported"])
    assert set(body["capabilities"]) == {
        "launch-standalone",
        "client-public",
        "client-confidential-symmetric",
        "context-standalone-patient",
        "context-banner",
        "context-style",
        "permission-patient",
        "permission-offline",
        "permission-v1",
    }
    assert "jwks_uri" not in body  # no asymmetric client authentication
    assert client.post("/fhir/.well-known/smart-configuration").status_code == 405


def test_the_endpoints_it_names_answer(client: Client, db: Any) -> None:
    body = client.get("/fhir/.well-known/smart-configuration").json()

    assert client.get(body["token_endpoint"]).status_code == 405  # POST only
    assert client.get(body["authorization_endpoint"]).status_code == 400  # no app named: the error page
    assert client.get(body["issuer"] + "/metadata").status_code == 200


def test_the_capability_statement_advertises_the_oauth_uris(client: Client, db: Any) -> None:
    security = parse(client.get("/fhir/metadata"))["rest"][0]["security"]

    uris = next(e for e in security["extension"] if e["url"] == OAUTH_URIS)["extension"]
    assert {"url": "token", "valueUri": "http://testserver/auth/token/"} in uris
    assert {"url": "authorize", "valueUri": "http://testserver/auth/authorize/"} in uris
    codes = {c["code"] for s in security["service"] for c in s["coding"]}
    assert codes == {"OAuth", "SMART-on-FHIR"}
