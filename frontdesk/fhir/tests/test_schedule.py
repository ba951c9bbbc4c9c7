"""Schedule search (reference §1.1, §2): every active location x active schedulable staff member,
with Canvas's ids and comment."""

from __future__ import annotations

from typing import Any

from django.test import Client

from frontdesk.fhir.tests.conftest import parse


def test_it_lists_a_schedule_per_location_and_schedulable_staff_member(
    api: Client,
    boston: Any,
    denver: Any,
    dr_patel: Any,
    nurse_lee: Any,
    clerk_ortiz: Any,
    django_assert_max_num_queries: Any,
) -> None:
    with django_assert_max_num_queries(4):
        bundle = parse(api.get("/fhir/Schedule"))

    assert bundle["total"] == 4
    assert [e["resource"]["id"] for e in bundle["entry"]] == [
        f"Location.{boston.dbid}-Staff.{nurse_lee.id}",
        f"Location.{boston.dbid}-Staff.{dr_patel.id}",
        f"Location.{denver.dbid}-Staff.{nurse_lee.id}",
        f"Location.{denver.dbid}-Staff.{dr_patel.id}",
    ]
    assert "fullUrl" not in bundle["entry"][0]
    patel = bundle["entry"][1]["resource"]
    assert patel["comment"] == "Schedule for Dr. Maya Patel, MD at Harbor Clinic"
    assert patel["actor"] == [{"reference": f"Practitioner/{dr_patel.id}", "type": "Practitioner"}]
    assert patel["text"] == {
        "status": "generated",
        "div": '<div xmlns="http://www.w3.org/1999/xhtml">Schedule for Dr. Maya Patel, MD at Harbor Clinic</div>',
    }


def test_it_leaves_out_inactive_locations_and_staff(
    api: Client, boston: Any, denver: Any, dr_patel: Any, nurse_lee: Any
) -> None:
    denver.active = False
    denver.save(update_fields=["active"])
    nurse_lee.active = False
    nurse_lee.save(update_fields=["active"])

    bundle = parse(api.get("/fhir/Schedule"))

    assert [e["resource"]["id"] for e in bundle["entry"]] == [f"Location.{boston.dbid}-Staff.{dr_patel.id}"]


def test_it_takes_no_search_parameters(api: Client, db: Any) -> None:
    assert api.get("/fhir/Schedule?actor=Practitioner/abc").status_code == 200  # ignored: lenient handling
    response = api.get("/fhir/Schedule?actor=Practitioner/abc", headers={"Prefer": "handling=strict"})

    assert response.status_code == 400
    assert "actor" in parse(response)["issue"][0]["diagnostics"]


def test_it_escapes_names_in_the_narrative(api: Client, boston: Any, dr_patel: Any) -> None:
    boston.full_name = "Harbor <Clinic> & Co"
    boston.save(update_fields=["full_name"])

    div = parse(api.get("/fhir/Schedule"))["entry"][0]["resource"]["text"]["div"]

    assert "Harbor &lt;Clinic&gt; &amp; Co" in div
