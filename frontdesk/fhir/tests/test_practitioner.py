"""Practitioner read and search (reference §1.4): schedulable staff by default, both spellings of
the flag that adds the others, name, NPI and email filters."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from frontdesk.fhir.tests.conftest import parse


def ids(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def test_it_reads_a_practitioner_by_staff_key(api: Client, dr_patel: Any) -> None:
    response = api.get(f"/fhir/Practitioner/{dr_patel.id}")

    assert response.status_code == 200
    body = parse(response)
    assert body["id"] == dr_patel.id
    assert body["active"] is True
    assert body["name"] == [
        {"use": "usual", "text": "Maya Patel", "family": "Patel", "given": ["Maya"], "prefix": ["Dr."]}
    ]
    assert body["identifier"] == [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}]
    assert body["telecom"] == [{"system": "email", "value": "maya.patel@example.com", "use": "work", "rank": 1}]
    assert "photo" not in body


def test_it_reads_staff_without_npi_or_user(api: Client, clerk_ortiz: Any) -> None:
    body = parse(api.get(f"/fhir/Practitioner/{clerk_ortiz.id}"))

    assert "identifier" not in body
    assert "telecom" not in body


def test_it_answers_404_for_an_unknown_practitioner(api: Client, db: Any) -> None:
    response = api.get("/fhir/Practitioner/0123456789abcdef0123456789abcdef")

    assert response.status_code == 404
    issue = parse(response)["issue"][0]
    assert issue["code"] == "not-found"
    assert issue["details"]["text"] == "Unknown Practitioner resource '0123456789abcdef0123456789abcdef'"


def test_it_searches_schedulable_staff_by_default(
    api: Client, dr_patel: Any, nurse_lee: Any, clerk_ortiz: Any, django_assert_max_num_queries: Any
) -> None:
    # token, count, page, contact points, addresses, roles
    with django_assert_max_num_queries(6):
        response = api.get("/fhir/Practitioner")

    bundle = parse(response)
    assert bundle["type"] == "searchset"
    assert bundle["total"] == 2
    assert ids(bundle) == [nurse_lee.id, dr_patel.id]
    assert bundle["entry"][0]["fullUrl"] == f"http://testserver/fhir/Practitioner/{nurse_lee.id}"


@pytest.mark.parametrize("flag", ["include-non-schedulable-practitioners", "include-non-scheduleable-practitioners"])
@pytest.mark.parametrize("value", ["true", "True", "TRUE"])
def test_it_adds_non_schedulable_staff_with_either_spelling(
    api: Client, dr_patel: Any, nurse_lee: Any, clerk_ortiz: Any, flag: str, value: str
) -> None:
    bundle = parse(api.get(f"/fhir/Practitioner?{flag}={value}"))

    assert ids(bundle) == [nurse_lee.id, clerk_ortiz.id, dr_patel.id]


def test_it_keeps_to_schedulable_staff_when_the_flag_is_false(api: Client, dr_patel: Any, clerk_ortiz: Any) -> None:
    assert ids(parse(api.get("/fhir/Practitioner?include-non-schedulable-practitioners=false"))) == [dr_patel.id]


def test_it_returns_inactive_staff_only_when_asked(api: Client, dr_patel: Any, nurse_lee: Any) -> None:
    nurse_lee.active = False
    nurse_lee.save(update_fields=["active"])

    assert ids(parse(api.get("/fhir/Practitioner"))) == [dr_patel.id]
    assert ids(parse(api.get("/fhir/Practitioner?active=false"))) == [nurse_lee.id]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("name=pat", ["dr_patel"]),
        ("name=SAM", ["nurse_lee"]),
        ("name=maya,sam", ["nurse_lee", "dr_patel"]),
        ("npi-number=1234567893", ["dr_patel"]),
        ("npiNumber=http://hl7.org/fhir/sid/us-npi|1234567893", ["dr_patel"]),
        ("email=Maya.Patel@example.com", ["dr_patel"]),
        ("_id={nurse_lee}", ["nurse_lee"]),
        ("_id={nurse_lee},{dr_patel}", ["nurse_lee", "dr_patel"]),
        ("name=maya&name=lee", []),
    ],
)
def test_it_filters_by_search_parameters(
    api: Client, dr_patel: Any, nurse_lee: Any, query: str, expected: list[str]
) -> None:
    staff = {"dr_patel": dr_patel, "nurse_lee": nurse_lee}
    query = query.format(**{k: v.id for k, v in staff.items()})

    assert ids(parse(api.get(f"/fhir/Practitioner?{query}"))) == [staff[name].id for name in expected]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("active=yes", "active"),
        ("include-non-schedulable-practitioners=1", "include-non-schedulable-practitioners"),
        ("name=", "name"),
    ],
)
def test_it_answers_400_naming_a_bad_parameter(api: Client, db: Any, query: str, named: str) -> None:
    response = api.get(f"/fhir/Practitioner?{query}")

    assert response.status_code == 400
    issue = parse(response)["issue"][0]
    assert (issue["code"], issue["details"]["text"]) == ("invalid", "Bad request")
    assert named in issue["diagnostics"]
