"""Location read and search over practice locations (reference §1.7): the id is the UUID."""

from __future__ import annotations

from typing import Any

from django.test import Client

from frontdesk.fhir.tests.conftest import parse


def test_it_reads_a_location(api: Client, boston: Any) -> None:
    body = parse(api.get(f"/fhir/Location/{boston.id}"))

    assert body == {
        "resourceType": "Location",
        "id": str(boston.id),
        "status": "active",
        "name": "Harbor Clinic",
        "alias": ["Boston"],
        "telecom": [{"system": "phone", "value": "6175550100", "use": "work"}],
        "address": {
            "use": "work",
            "type": "physical",
            "line": ["1 Harbor St"],
            "city": "Boston",
            "state": "MA",
            "postalCode": "02110",
            "country": "US",
        },
    }


def test_it_answers_404_for_an_unknown_or_malformed_id(api: Client, boston: Any) -> None:
    for location_id in ("7d0c1b5e-0f39-4c1e-9a7e-2f3c8e4b1a20", "1", "not-a-uuid"):
        response = api.get(f"/fhir/Location/{location_id}")
        assert response.status_code == 404
        assert parse(response)["issue"][0]["details"]["text"] == f"Unknown Location resource '{location_id}'"


def test_it_searches_every_location_including_inactive_ones(
    api: Client, boston: Any, denver: Any, django_assert_max_num_queries: Any
) -> None:
    denver.active = False
    denver.save(update_fields=["active"])

    with django_assert_max_num_queries(3):
        bundle = parse(api.get("/fhir/Location"))

    assert bundle["total"] == 2
    assert [(e["resource"]["name"], e["resource"]["status"]) for e in bundle["entry"]] == [
        ("Harbor Clinic", "active"),
        ("Mile High Clinic", "inactive"),
    ]
    assert "address" not in bundle["entry"][1]["resource"]


def test_it_searches_by_id(api: Client, boston: Any, denver: Any) -> None:
    bundle = parse(api.get(f"/fhir/Location?_id={denver.id}"))

    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(denver.id)]
    assert parse(api.get("/fhir/Location?_id=nope")) == {"resourceType": "Bundle", "type": "searchset", "total": 0}
