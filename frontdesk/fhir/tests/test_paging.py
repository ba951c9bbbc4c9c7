"""_count / _offset paging with relative links and total, as Canvas pages (reference §0)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Staff
from frontdesk.clinic.services import save_staff
from frontdesk.fhir.tests.conftest import parse


@pytest.fixture
def twelve_staff(db: Any) -> list[Staff]:
    return [
        save_staff(
            actor=Actor.system("tests"), staff=Staff(first_name="Pat", last_name=f"Doc{n:02}", is_schedulable=True)
        )
        for n in range(12)
    ]


def links(bundle: dict[str, Any]) -> dict[str, str]:
    return {link["relation"]: link["url"] for link in bundle.get("link", [])}


def test_it_returns_ten_by_default_with_links_to_the_next_and_last_pages(
    api: Client, twelve_staff: list[Staff]
) -> None:
    bundle = parse(api.get("/fhir/Practitioner"))

    assert bundle["total"] == 12
    assert len(bundle["entry"]) == 10
    assert links(bundle) == {
        "self": "/Practitioner?_count=10&_offset=0",
        "first": "/Practitioner?_count=10&_offset=0",
        "next": "/Practitioner?_count=10&_offset=10",
        "last": "/Practitioner?_count=10&_offset=10",
    }


def test_it_follows_the_next_link_to_the_rest_keeping_the_filters(
    api: Client, twelve_staff: list[Staff], django_assert_max_num_queries: Any
) -> None:
    first = parse(api.get("/fhir/Practitioner?name=doc&_count=5"))
    seen = [e["resource"]["id"] for e in first["entry"]]
    url = links(first)["next"]
    assert url == "/Practitioner?name=doc&_count=5&_offset=5"
    while url:
        with django_assert_max_num_queries(6):  # token, count, page, contact points, addresses, roles
            page = parse(api.get(f"/fhir{url}"))
        seen += [e["resource"]["id"] for e in page["entry"]]
        url = links(page).get("next", "")

    assert seen == [s.id for s in twelve_staff]
    assert links(page)["previous"] == "/Practitioner?name=doc&_count=5&_offset=5"


def test_it_caps_count_at_one_hundred_and_allows_zero(api: Client, twelve_staff: list[Staff]) -> None:
    capped = parse(api.get("/fhir/Practitioner?_count=500"))
    summary = parse(api.get("/fhir/Practitioner?_count=0"))

    assert len(capped["entry"]) == 12
    assert links(capped)["self"] == "/Practitioner?_count=100&_offset=0"
    assert summary["total"] == 12
    assert "entry" not in summary


def test_it_pages_schedules_too(api: Client, twelve_staff: list[Staff], db: Any) -> None:
    from frontdesk.clinic.models import PracticeLocation
    from frontdesk.clinic.services import save_location

    save_location(actor=Actor.system("tests"), location=PracticeLocation(full_name="A", time_zone="UTC"))
    save_location(actor=Actor.system("tests"), location=PracticeLocation(full_name="B", time_zone="UTC"))

    bundle = parse(api.get("/fhir/Schedule?_count=10&_offset=20"))

    assert bundle["total"] == 24
    assert len(bundle["entry"]) == 4
    assert "next" not in links(bundle)
    assert links(bundle)["last"] == "/Schedule?_count=10&_offset=20"


def test_it_has_no_links_for_an_empty_result(api: Client, db: Any) -> None:
    assert parse(api.get("/fhir/Practitioner")) == {"resourceType": "Bundle", "type": "searchset", "total": 0}


@pytest.mark.parametrize("query", ["_count=ten", "_offset=-1", "_count=-5", "_offset=1&_offset=2"])
def test_it_answers_400_for_bad_paging(api: Client, db: Any, query: str) -> None:
    response = api.get(f"/fhir/Practitioner?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in parse(response)["issue"][0]["diagnostics"]
