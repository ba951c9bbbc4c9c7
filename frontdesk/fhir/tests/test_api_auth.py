"""Every FHIR endpoint needs a usable Bearer token (401) whose scopes cover the interaction (403)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from frontdesk.audit.services import Actor
from frontdesk.fhir import services
from frontdesk.fhir.models import AccessToken
from frontdesk.fhir.services import NewClient
from frontdesk.fhir.tests.conftest import api_client, parse


@pytest.mark.parametrize("header", [None, "Bearer", "Basic abc", "Bearer not-a-token"])
def test_it_answers_401_without_a_valid_token(client: Client, db: Any, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}

    response = client.get("/fhir/Practitioner", headers=headers)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = parse(response)
    assert body["issue"][0]["code"] == "unknown"
    assert body["issue"][0]["details"]["text"] == "Authentication failed"


def test_it_answers_401_for_a_revoked_token(oauth_client: NewClient) -> None:
    api = api_client(oauth_client)
    services.revoke_access_token(actor=Actor.system("tests"), token=AccessToken.objects.get(), now=timezone.now())

    response = api.get("/fhir/Location")

    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    parse(response)


def test_it_answers_401_once_the_client_is_deactivated(oauth_client: NewClient) -> None:
    api = api_client(oauth_client)
    oauth_client.client.is_active = False
    services.update_oauth_client(actor=Actor.system("tests"), client=oauth_client.client)

    assert api.get("/fhir/Location").status_code == 401


def test_it_answers_403_naming_the_missing_scope(oauth_client: NewClient, dr_patel: Any) -> None:
    api = api_client(oauth_client, scope="system/Schedule.read system/Location.read")

    response = api.get("/fhir/Practitioner")
    read = api.get(f"/fhir/Practitioner/{dr_patel.id}")

    assert response.status_code == 403
    body = parse(response)
    assert body["issue"][0]["code"] == "forbidden"
    assert body["issue"][0]["details"]["text"] == "Authorization failed"
    assert "system/Practitioner.read" in body["issue"][0]["diagnostics"]
    assert read.status_code == 403
    assert "system/Practitioner.read" in parse(read)["issue"][0]["diagnostics"]


def test_it_lets_a_wildcard_read_scope_read_every_type(oauth_client: NewClient, dr_patel: Any, boston: Any) -> None:
    api = api_client(oauth_client, scope="system/*.read")

    for path in ("/fhir/Practitioner", f"/fhir/Practitioner/{dr_patel.id}", "/fhir/Location", "/fhir/Schedule"):
        assert api.get(path).status_code == 200, path


def test_it_answers_a_write_only_token_with_403_on_reads(oauth_client: NewClient, boston: Any) -> None:
    api = api_client(oauth_client, scope="system/*.write")

    assert api.get("/fhir/Location").status_code == 403


def test_it_answers_405_for_an_interaction_a_type_does_not_offer(api: Client, boston: Any) -> None:
    for response in (
        api.get("/fhir/Schedule/Location.1-Staff.abc"),
        api.post("/fhir/Location", {}, content_type="application/fhir+json"),
        api.put(f"/fhir/Location/{boston.id}", {}, content_type="application/fhir+json"),
        api.delete(f"/fhir/Location/{boston.id}"),
    ):
        assert response.status_code == 405
        body = parse(response)
        assert body["issue"][0]["code"] == "not-supported"
        assert body["issue"][0]["details"]["text"] == "Operation is not supported"


def test_it_answers_404_for_a_type_it_does_not_serve(api: Client) -> None:
    response = api.get("/fhir/Basic")

    assert response.status_code == 404
    assert "Basic" in parse(response)["issue"][0]["diagnostics"]


def test_it_asks_for_the_token_before_saying_anything_about_types(client: Client, db: Any) -> None:
    assert client.get("/fhir/Basic").status_code == 401


def test_other_paths_need_a_token_and_answer_405_as_an_operation_outcome(api: Client, boston: Any) -> None:
    assert Client().get(f"/fhir/Location/{boston.id}/_history").status_code == 401
    for path in (f"/fhir/Location/{boston.id}/_history", "/fhir/Location/$everything/x", "/fhir/a/b/c"):
        response = api.get(path)
        assert response.status_code == 405, path
        assert parse(response)["issue"][0]["code"] == "not-supported"
