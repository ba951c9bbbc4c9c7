"""Patient search order and partial birth dates (reference §1.7): `_sort` by `_id`, `birthdate`,
`family` or `given` (`-` for descending, unknown keys refused), and `birthdate=1990` or
`birthdate=1990-05` matching the whole year or month, with the usual prefixes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Patient
from frontdesk.clinic.services import create_patient
from frontdesk.fhir.tests.conftest import parse


def names(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["name"][0]["given"][0] for e in bundle.get("entry", [])]


@pytest.fixture
def ben(db: Any) -> Patient:
    return create_patient(
        actor=Actor.system("tests"), first_name="Ben", last_name="Adams", birth_date=date(1990, 12, 31)
    )


@pytest.fixture
def three(alice: Patient, charlie: Patient, ben: Patient) -> list[Patient]:
    """Alice Adams 1990-05-01, Ben Adams 1990-12-31, Charlie Chen 1985-02-03."""
    return [alice, ben, charlie]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("birthdate", ["Charlie", "Alice", "Ben"]),
        ("-birthdate", ["Ben", "Alice", "Charlie"]),
        ("family,-given", ["Ben", "Alice", "Charlie"]),
        ("-family,given", ["Charlie", "Alice", "Ben"]),
        ("given", ["Alice", "Ben", "Charlie"]),
        ("-given", ["Charlie", "Ben", "Alice"]),
    ],
)
def test_it_sorts_patients(api: Client, three: list[Patient], sort: str, expected: list[str]) -> None:
    response = api.get("/fhir/Patient", {"_sort": sort})

    assert response.status_code == 200
    assert names(parse(response)) == expected


def test_it_sorts_by_id(api: Client, three: list[Patient]) -> None:
    bundle = parse(api.get("/fhir/Patient?_sort=-_id"))

    assert [e["resource"]["id"] for e in bundle["entry"]] == sorted((p.id for p in three), reverse=True)


@pytest.mark.parametrize("sort", ["name", "birthdate,+family", "", "-"])
def test_it_refuses_an_unknown_sort_key(api: Client, three: list[Patient], sort: str) -> None:
    response = api.get("/fhir/Patient", {"_sort": sort})

    assert response.status_code == 400
    assert parse(response)["issue"][0]["code"] == "invalid"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1990", ["Alice", "Ben"]),
        ("1990-05", ["Alice"]),
        ("1990-12", ["Ben"]),
        ("ne1990", ["Charlie"]),
        ("lt1990", ["Charlie"]),
        ("le1990-05", ["Charlie", "Alice"]),
        ("gt1990-05", ["Ben"]),
        ("ge1990-05", ["Alice", "Ben"]),
        ("1990-05-01", ["Alice"]),
        ("1991", []),
    ],
)
def test_it_matches_a_partial_birth_date_as_the_range_it_covers(
    api: Client, three: list[Patient], value: str, expected: list[str]
) -> None:
    bundle = parse(api.get("/fhir/Patient", {"birthdate": value, "_sort": "birthdate"}))

    assert names(bundle) == expected


@pytest.mark.parametrize("value", ["90", "1990-13", "1990-5", "1990-02-30", "ge19900"])
def test_it_refuses_a_birth_date_that_is_not_a_date(api: Client, three: list[Patient], value: str) -> None:
    response = api.get("/fhir/Patient", {"birthdate": value})

    assert response.status_code == 400
    assert "birthdate" in parse(response)["issue"][0]["diagnostics"]
