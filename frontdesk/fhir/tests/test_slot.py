"""Slot search (reference §1.2, §2): computed free slots for one Schedule, Canvas's defaults."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from frontdesk.fhir.tests.conftest import api_client, parse

MONDAY_NOON_UTC = datetime(2026, 3, 2, 12, tzinfo=UTC)  # 07:00 in Boston (EST)


@pytest.fixture(autouse=True)
def _clock(time_machine: Any) -> None:
    time_machine.move_to(MONDAY_NOON_UTC, tick=False)


def schedule(boston: Any, dr_patel: Any) -> str:
    return f"Location.{boston.dbid}-Staff.{dr_patel.id}"


def test_it_lists_free_slots_with_canvas_defaults(
    api: Client, boston: Any, dr_patel: Any, patel_in_boston: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(14):
        bundle = parse(api.get(f"/fhir/Slot?schedule={schedule(boston, dr_patel)}"))

    # Five weekdays from today x 8 hours of 20-minute slots (the default duration).
    assert bundle["total"] == 5 * 24
    first = bundle["entry"][0]
    assert "fullUrl" not in first
    assert first["resource"] == {
        "resourceType": "Slot",
        "schedule": {"reference": f"Schedule/{schedule(boston, dr_patel)}", "type": "Schedule"},
        "status": "free",
        "start": "2026-03-02T09:00:00-05:00",
        "end": "2026-03-02T09:20:00-05:00",
    }
    assert len(bundle["entry"]) == 10
    assert bundle["link"][0]["url"].startswith("/Slot?schedule=")


def test_it_takes_a_day_a_duration_and_an_appointment_type(
    api: Client, boston: Any, dr_patel: Any, patel_in_boston: Any, office_visit: Any
) -> None:
    bundle = parse(
        api.get(
            f"/fhir/Slot?schedule={schedule(boston, dr_patel)}&start=2026-03-03&end=2026-03-03&duration=60"
            f"&appointment-type=http://snomed.info/sct|{office_visit.code}&_count=100"
        )
    )

    starts = [e["resource"]["start"] for e in bundle["entry"]]
    assert bundle["total"] == 8
    assert starts[0] == "2026-03-03T09:00:00-05:00"
    assert starts[-1] == "2026-03-03T16:00:00-05:00"
    assert bundle["entry"][0]["resource"]["end"] == "2026-03-03T10:00:00-05:00"


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("", "schedule"),
        ("schedule=Location.999-Staff.abc", "schedule"),
        ("schedule={s}&start=tomorrow", "start"),
        ("schedule={s}&duration=abc", "duration"),
        ("schedule={s}&duration=0", "duration"),
        ("schedule={s}&appointment-type=http://snomed.info/sct|000", "appointment-type"),
        ("schedule={s}&appointment-type=000", "appointment-type"),
        ("schedule={s}&start=2026-03-05&end=2026-03-01", "end"),
    ],
)
def test_it_refuses_bad_parameters_naming_them(
    api: Client, boston: Any, dr_patel: Any, patel_in_boston: Any, query: str, named: str
) -> None:
    response = api.get("/fhir/Slot?" + query.format(s=schedule(boston, dr_patel)))

    assert response.status_code == 400
    issue = parse(response)["issue"][0]
    assert issue["code"] == "invalid"
    assert named in issue["diagnostics"]


def test_it_finds_the_appointment_type_by_its_unique_identifier(
    api: Client, boston: Any, dr_patel: Any, patel_in_boston: Any, office_visit: Any
) -> None:
    url = f"/fhir/Slot?schedule={schedule(boston, dr_patel)}&start=2026-03-03&end=2026-03-03"

    assert parse(api.get(f"{url}&appointment-type={office_visit.unique_identifier}"))["total"] == 24


def test_it_needs_a_token_with_slot_read(oauth_client: Any, boston: Any, dr_patel: Any) -> None:
    response = api_client(oauth_client, "system/Schedule.read").get(f"/fhir/Slot?schedule={schedule(boston, dr_patel)}")

    assert response.status_code == 403
