"""Canvas's chart managers: `.committed()`, `.active()` and `.for_patient(patient_id)` leave out
uncommitted and entered-in-error items, and the portal's chart summary is built from them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from frontdesk.audit.services import Actor
from frontdesk.clinic import access
from frontdesk.clinic.models import AllergyIntolerance, Condition, Medication
from frontdesk.clinic.services import enter_chart_item_in_error, save_chart_item
from frontdesk.clinic.tests.readers import audit

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(dana: Any) -> Actor:
    return Actor.for_user(dana)


def condition(actor: Actor, patient: Any, display: str, **fields: Any) -> Condition:
    item = save_chart_item(actor=actor, item=Condition(patient=patient, **fields))
    item.codings.create(system="http://snomed.info/sct", code=display[:8], display=display)
    return item


@pytest.fixture
def chart(staff: Actor, alice: Any, charlie: Any) -> dict[str, Any]:
    """Alice's conditions in every state Canvas distinguishes, plus one of Charlie's."""
    items = {
        "active": condition(staff, alice, "Hypertension"),
        "relapse": condition(staff, alice, "Asthma", clinical_status="relapse"),
        "resolved": condition(
            staff,
            alice,
            "UTI",
            clinical_status="resolved",
            onset_date=date(2023, 1, 1),
            resolution_date=date(2023, 2, 1),
        ),
        "hidden": condition(staff, alice, "Old fracture", clinical_status="resolved", show_in_summary=False),
        "uncommitted": condition(Actor.system("import"), alice, "Draft diagnosis"),
        "in_error": condition(staff, alice, "Wrong chart"),
        "flagged_deleted": condition(staff, alice, "Deleted", deleted=True),
        "charlie": condition(staff, charlie, "Charlie's migraine"),
    }
    enter_chart_item_in_error(actor=staff, item=items["in_error"])
    return items


def names(qs: Any) -> set[str]:
    return {str(item) for item in qs}


def test_it_commits_new_items_as_the_staff_user_who_saved_them(chart: dict[str, Any], dana: Any) -> None:
    assert chart["active"].committer == dana
    assert chart["uncommitted"].committer is None


def test_it_counts_only_committed_items_not_entered_in_error(chart: dict[str, Any]) -> None:
    assert names(Condition.objects.committed()) == {
        "Hypertension",
        "Asthma",
        "UTI",
        "Old fracture",
        "Charlie's migraine",
    }


def test_it_calls_active_and_relapsed_conditions_active(chart: dict[str, Any]) -> None:
    assert names(Condition.objects.active()) == {"Hypertension", "Asthma", "Charlie's migraine"}


def test_it_filters_by_the_patients_32_char_key(chart: dict[str, Any], alice: Any) -> None:
    assert names(Condition.objects.for_patient(alice.id).active()) == {"Hypertension", "Asthma"}
    assert names(Condition.objects.committed().for_patient(alice.id)) == {
        "Hypertension",
        "Asthma",
        "UTI",
        "Old fracture",
    }
    assert not Condition.objects.for_patient(str(alice.dbid)).exists()


def test_it_keeps_an_item_entered_in_error_for_the_record(chart: dict[str, Any], dana: Any, alice: Any) -> None:
    item = Condition.objects.get(pk=chart["in_error"].pk)

    assert item.entered_in_error == dana
    entry = audit("condition.entered_in_error")[0]
    assert (entry.patient_key, entry.target_id) == (alice.id, str(item.id))


def test_it_shows_the_patient_only_committed_summary_items(chart: dict[str, Any], alice: Any) -> None:
    summary = access.chart_summary(alice)

    assert names(summary["conditions"]) == {"Hypertension", "Asthma", "UTI"}


def test_it_calls_active_committed_medications_and_allergies_active(staff: Actor, alice: Any) -> None:
    meds = {
        "active": save_chart_item(actor=staff, item=Medication(patient=alice, sig="1 tablet daily")),
        "stopped": save_chart_item(actor=staff, item=Medication(patient=alice, status="inactive")),
        "draft": save_chart_item(actor=Actor.system("import"), item=Medication(patient=alice)),
        "error": save_chart_item(actor=staff, item=Medication(patient=alice)),
    }
    allergies = {
        "active": save_chart_item(actor=staff, item=AllergyIntolerance(patient=alice, narrative="Hives")),
        "inactive": save_chart_item(actor=staff, item=AllergyIntolerance(patient=alice, status="inactive")),
        "error": save_chart_item(actor=staff, item=AllergyIntolerance(patient=alice)),
    }
    enter_chart_item_in_error(actor=staff, item=meds["error"])
    enter_chart_item_in_error(actor=staff, item=allergies["error"])

    assert list(Medication.objects.for_patient(alice.id).active()) == [meds["active"]]
    assert list(AllergyIntolerance.objects.for_patient(alice.id).active()) == [allergies["active"]]
    assert meds["active"].latest_sig == "1 tablet daily"
    assert allergies["active"].reaction == "Hives"
    summary = access.chart_summary(alice)
    assert summary["medications"] == [meds["active"]]
    assert summary["allergies"] == [allergies["active"]]


def test_it_reads_a_long_chart_summary_in_a_fixed_number_of_queries(
    staff: Actor, alice: Any, dr_patel: Any, django_assert_num_queries: Any
) -> None:
    for i in range(21):
        condition(staff, alice, f"Condition {i:02d}", last_assessed_by=dr_patel)
        for item in (Medication(patient=alice, last_prescriber=dr_patel), AllergyIntolerance(patient=alice)):
            save_chart_item(actor=staff, item=item)
            item.codings.create(system="http://snomed.info/sct", code=str(i), display=f"{type(item).__name__} {i}")

    # conditions + codings + assessors' roles, medications + codings + prescribers' roles, allergies + codings
    with django_assert_num_queries(8):
        summary = access.chart_summary(alice)
        shown = [
            *[(str(c), c.last_assessed_by.credentialed_name) for c in summary["conditions"]],
            *[(str(m), m.last_prescriber.credentialed_name) for m in summary["medications"]],
            *[(str(a), a.reaction) for a in summary["allergies"]],
        ]

    assert len(shown) == 63
    assert ("Condition 00", "Dr. Maya Patel, MD") in shown
