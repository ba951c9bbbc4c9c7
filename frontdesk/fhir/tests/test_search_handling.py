"""Unknown search parameters: ignored by default and left out of the links (FHIR's lenient
handling), refused with a 400 naming them under `Prefer: handling=strict`."""

from __future__ import annotations

from typing import Any

from django.test import Client

from frontdesk.fhir.tests.conftest import parse


def test_it_ignores_an_unknown_parameter_and_leaves_it_out_of_the_links(api: Client, dr_patel: Any) -> None:
    plain = parse(api.get("/fhir/Practitioner"))
    lenient = parse(api.get("/fhir/Practitioner?colour=blue&_totalMethod=count"))
    assert lenient["total"] == plain["total"] == 1
    assert lenient["link"] == plain["link"]
    assert all("colour" not in link["url"] for link in lenient["link"])


def test_it_still_applies_the_known_parameters_next_to_an_unknown_one(
    api: Client, dr_patel: Any, nurse_lee: Any
) -> None:
    found = parse(api.get("/fhir/Practitioner?name=Patel&colour=blue"))
    assert [e["resource"]["id"] for e in found["entry"]] == [dr_patel.id]
    assert found["link"][0]["url"] == "/Practitioner?name=Patel&_count=10&_offset=0"


def test_it_refuses_an_unknown_parameter_when_asked_to_be_strict(api: Client, dr_patel: Any) -> None:
    response = api.get("/fhir/Practitioner?colour=blue", headers={"Prefer": "handling=strict"})
    assert response.status_code == 400
    assert parse(response)["issue"][0]["diagnostics"] == "Unknown search parameter 'colour'"


def test_it_accepts_result_parameters_that_change_nothing_even_when_strict(api: Client, dr_patel: Any) -> None:
    response = api.get("/fhir/Practitioner?_format=json&_pretty=true", headers={"Prefer": "handling=strict"})
    assert response.status_code == 200


def test_it_still_refuses_empty_values(api: Client) -> None:
    response = api.get("/fhir/Practitioner?name=")
    assert response.status_code == 400
    assert "must not be empty" in parse(response)["issue"][0]["diagnostics"]
