"""GET /fhir/metadata: a CapabilityStatement listing exactly what is served, with the token URL."""

from __future__ import annotations

from typing import Any

from django.test import Client

from frontdesk.fhir.resources import registry
from frontdesk.fhir.tests.conftest import parse

SERVED = {
    "Practitioner",
    "Location",
    "Schedule",
    "Slot",
    "Appointment",
    "Patient",
    "Condition",
    "MedicationStatement",
    "AllergyIntolerance",
}


def test_it_describes_the_server_without_a_token(client: Client, db: Any) -> None:
    response = client.get("/fhir/metadata")

    assert response.status_code == 200
    body = parse(response)
    assert body["resourceType"] == "CapabilityStatement"
    assert body["fhirVersion"] == "4.0.1"
    assert body["kind"] == "instance"
    assert body["format"] == ["json"]
    security = body["rest"][0]["security"]
    assert security["service"][0]["coding"][0]["code"] == "OAuth"
    assert security["extension"][0]["extension"][0] == {"url": "token", "valueUri": "http://testserver/auth/token/"}


def test_it_lists_the_registered_types_with_their_interactions_and_parameters(client: Client, db: Any) -> None:
    resources = {r["type"]: r for r in parse(client.get("/fhir/metadata"))["rest"][0]["resource"]}

    assert set(resources) == set(registry()) == SERVED
    assert [i["code"] for i in resources["Appointment"]["interaction"]] == ["read", "search-type", "create", "update"]
    assert [i["code"] for i in resources["Slot"]["interaction"]] == ["search-type"]
    assert {p["name"] for p in resources["Slot"]["searchParam"]} == {
        "schedule",
        "start",
        "end",
        "duration",
        "appointment-type",
    }
    assert {p["name"] for p in resources["Appointment"]["searchParam"]} == {
        "_id",
        "patient",
        "practitioner",
        "location",
        "appointment-type",
        "identifier",
        "date",
        "status",
        "_sort",
    }
    assert [i["code"] for i in resources["Practitioner"]["interaction"]] == ["create", "read", "update", "search-type"]
    assert [i["code"] for i in resources["Schedule"]["interaction"]] == ["search-type"]
    assert "searchParam" not in resources["Schedule"]
    assert [i["code"] for i in resources["Patient"]["interaction"]] == ["create", "read", "update", "search-type"]
    for kind in ("Patient", "Condition", "MedicationStatement", "AllergyIntolerance"):
        if kind != "Patient":
            assert [i["code"] for i in resources[kind]["interaction"]] == ["read", "search-type"]
        assert {"_id", "patient" if kind != "Patient" else "identifier"} <= {
            p["name"] for p in resources[kind]["searchParam"]
        }
    names = {p["name"] for p in resources["Practitioner"]["searchParam"]}
    assert {"_id", "include-non-schedulable-practitioners", "active", "name", "npi-number"} <= names
