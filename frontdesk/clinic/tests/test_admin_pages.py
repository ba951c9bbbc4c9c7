"""Dana's back-office lists of clinic data: each renders 20+ rows in a fixed number of queries
(no query per row), and search and filters find the right rows."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from conftest import make_patient
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import (
    AllergyIntolerance,
    CareTeamMembership,
    Condition,
    Medication,
    Staff,
    StaffRole,
)
from frontdesk.clinic.services import (
    add_contact_point,
    save_care_team_membership,
    save_chart_item,
    save_staff,
    update_patient,
)

pytestmark = pytest.mark.django_db

ROWS = 22
# Fewer queries than rows: a page that queried once per row could not stay under this.
MAX_QUERIES = 12


@pytest.fixture
def crowded_clinic(dana: Any, boston: Any, dr_patel: Staff) -> dict[str, Any]:
    """ROWS patients (each with a phone, a portal user, a coded condition, medication and allergy
    and a care team member) and ROWS staff with roles."""
    staff_actor = Actor.for_user(dana)
    patients = []
    for i in range(ROWS):
        patient = make_patient(
            f"Pat{i:02d}",
            f"Crowd{i:02d}",
            email=f"crowd{i}@example.com",
            default_location=boston,
            default_provider=dr_patel,
        )
        add_contact_point(actor=staff_actor, patient=patient, system="phone", value=f"+1617555{2000 + i}")
        items = [
            Condition(patient=patient, last_assessed_by=dr_patel),
            Medication(patient=patient, last_prescriber=dr_patel, sig="daily"),
            AllergyIntolerance(patient=patient, narrative="hives"),
        ]
        for item in items:
            save_chart_item(actor=staff_actor, item=item)
            item.codings.create(system="http://snomed.info/sct", code=str(i), display=f"{type(item).__name__} {i:02d}")
        save_care_team_membership(
            actor=staff_actor, membership=CareTeamMembership(patient=patient, staff=dr_patel, role_display="PCP")
        )
        member = save_staff(actor=staff_actor, staff=Staff(first_name=f"Staff{i:02d}", last_name="Crowd"))
        StaffRole.objects.create(staff=member, role_type=StaffRole.RoleType.CLINICAL, code="RN", name="Nurse")
        patients.append(patient)
    return {"patients": patients}


PAGES = [
    "clinic/patient",
    "clinic/staff",
    "clinic/condition",
    "clinic/medication",
    "clinic/allergyintolerance",
    "clinic/patientcontactpoint",
    "clinic/careteammembership",
]


def test_it_lists_many_rows_in_a_fixed_number_of_queries(
    dana_client: Any, crowded_clinic: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    for page in PAGES:
        with django_assert_max_num_queries(MAX_QUERIES):
            response = dana_client.get(f"/admin/{page}/")

        assert response.status_code == 200, page
        assert len(response.context["cl"].result_list) >= ROWS, page


def results(response: Any) -> list[Any]:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_it_finds_patients_by_name_mrn_login_and_contact_value(
    dana_client: Any, alice: Any, charlie: Any, dana: Any
) -> None:
    add_contact_point(actor=Actor.for_user(dana), patient=charlie, system="phone", value="+16175550177")

    assert results(dana_client.get("/admin/clinic/patient/", {"q": "Anders"})) == [alice]
    assert results(dana_client.get("/admin/clinic/patient/", {"q": alice.mrn})) == [alice]
    assert results(dana_client.get("/admin/clinic/patient/", {"q": "charlie@example.com"})) == [charlie]
    assert results(dana_client.get("/admin/clinic/patient/", {"q": "+16175550177"})) == [charlie]
    assert results(dana_client.get("/admin/clinic/patient/", {"q": "nobody-by-this-name"})) == []


def test_it_filters_patients_by_activity_and_portal_account(
    dana_client: Any, alice: Any, charlie: Any, dana: Any
) -> None:
    update_patient(actor=Actor.for_user(dana), patient=charlie, active=False)
    no_portal = make_patient("Nora", "Noportal")

    assert results(dana_client.get("/admin/clinic/patient/", {"active__exact": "0"})) == [charlie]
    assert results(dana_client.get("/admin/clinic/patient/", {"user__isempty": "1"})) == [no_portal]
    assert set(results(dana_client.get("/admin/clinic/patient/", {"user__isempty": "0"}))) == {alice, charlie}


def test_it_shows_each_patients_portal_status(dana_client: Any, alice: Any, charlie: Any) -> None:
    charlie.user.is_portal_registered = False
    charlie.user.save(update_fields=["is_portal_registered"])
    make_patient("Nora", "Noportal")

    page = dana_client.get("/admin/clinic/patient/").content.decode()

    assert page.count('<td class="field-portal_status">active</td>') == 1
    assert page.count('<td class="field-portal_status">linked</td>') == 1
    assert page.count('<td class="field-portal_status">—</td>') == 1


def test_it_finds_and_filters_staff(dana_client: Any, dr_patel: Staff, dana: Any) -> None:
    nurse = save_staff(actor=Actor.for_user(dana), staff=Staff(first_name="Priya", last_name="Nair"))
    StaffRole.objects.create(staff=nurse, role_type=StaffRole.RoleType.CLINICAL, code="RN", name="Nurse")

    assert results(dana_client.get("/admin/clinic/staff/", {"q": "1467583920"})) == [dr_patel]
    assert results(dana_client.get("/admin/clinic/staff/", {"is_schedulable__exact": "1"})) == [dr_patel]
    assert results(dana_client.get("/admin/clinic/staff/", {"roles__code": "RN"})) == [nurse]


def test_it_finds_and_filters_conditions(dana_client: Any, alice: Any, charlie: Any, dana: Any) -> None:
    actor = Actor.for_user(dana)
    asthma = save_chart_item(actor=actor, item=Condition(patient=alice))
    asthma.codings.create(system="http://snomed.info/sct", code="195967001", display="Asthma")
    uti = save_chart_item(
        actor=actor,
        item=Condition(
            patient=charlie, clinical_status="resolved", onset_date=date(2023, 1, 1), resolution_date=date(2023, 2, 1)
        ),
    )
    uti.codings.create(system="http://snomed.info/sct", code="68566005", display="Urinary tract infection")

    assert results(dana_client.get("/admin/clinic/condition/", {"q": "asthma"})) == [asthma]
    assert results(dana_client.get("/admin/clinic/condition/", {"q": "195967001"})) == [asthma]
    assert results(dana_client.get("/admin/clinic/condition/", {"q": "Chen"})) == [uti]
    assert results(dana_client.get("/admin/clinic/condition/", {"clinical_status__exact": "resolved"})) == [uti]
    assert "Asthma" in dana_client.get("/admin/clinic/condition/").content.decode()


def test_it_sends_patients_and_anonymous_visitors_to_the_back_office_login(alice_client: Any) -> None:
    as_alice = alice_client.get("/admin/clinic/patient/")
    alice_client.logout()
    as_nobody = alice_client.get("/admin/clinic/patient/")

    for response in (as_alice, as_nobody):
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
