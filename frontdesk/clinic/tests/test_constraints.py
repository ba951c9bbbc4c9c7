"""The database itself refuses bad clinic rows (CONVENTIONS rule 6): writes that skip the
services' validation still hit an IntegrityError."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from frontdesk.accounts.models import CanvasUser
from frontdesk.clinic.models import (
    CareTeamMembership,
    Condition,
    Patient,
    PatientContactPoint,
    Staff,
)

pytestmark = pytest.mark.django_db


def refused(make: Any) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


def test_it_allows_one_active_lead_per_care_team(alice: Any, dr_patel: Staff) -> None:
    nurse = Staff.objects.create(first_name="Priya", last_name="Nair")
    CareTeamMembership.objects.create(patient=alice, staff=dr_patel, role_code="PCP", lead=True)

    assert refused(lambda: CareTeamMembership.objects.create(patient=alice, staff=nurse, role_code="RN", lead=True))
    assert not refused(
        lambda: CareTeamMembership.objects.create(
            patient=alice, staff=nurse, role_code="RN", lead=True, status="inactive"
        )
    )


def test_it_allows_a_staff_member_each_role_once_per_patient(alice: Any, dr_patel: Staff) -> None:
    CareTeamMembership.objects.create(patient=alice, staff=dr_patel, role_code="PCP")

    assert refused(lambda: CareTeamMembership.objects.create(patient=alice, staff=dr_patel, role_code="PCP"))
    assert not refused(lambda: CareTeamMembership.objects.create(patient=alice, staff=dr_patel, role_code="SURG"))


@pytest.mark.parametrize("npi", ["123456789", "12345-7890", "abcdefghij"])
def test_it_stores_only_ten_digit_npis(npi: str) -> None:
    assert refused(lambda: Staff.objects.create(first_name="A", last_name="B", npi_number=npi))


def test_it_refuses_an_npi_edit_that_skips_validation(dr_patel: Staff) -> None:
    assert refused(lambda: Staff.objects.filter(pk=dr_patel.pk).update(npi_number="42"))


def test_it_stores_no_birth_date_before_1850() -> None:
    assert refused(lambda: Patient.objects.create(first_name="A", last_name="B", birth_date=date(1849, 12, 31)))
    assert not refused(lambda: Patient.objects.create(first_name="A", last_name="B", birth_date=date(1850, 1, 1)))


def test_it_gives_every_patient_a_unique_mrn(alice: Any) -> None:
    assert refused(
        lambda: Patient.objects.create(first_name="A", last_name="B", birth_date=date(1990, 1, 1), mrn=alice.mrn)
    )


def test_it_ranks_contact_points_from_one(alice: Any) -> None:
    assert refused(lambda: PatientContactPoint.objects.create(patient=alice, system="phone", value="+1", rank=0))


def test_it_refuses_a_condition_resolved_before_its_onset(alice: Any) -> None:
    assert refused(
        lambda: Condition.objects.create(
            patient=alice, onset_date=date(2024, 5, 1), resolution_date=date(2024, 4, 30), clinical_status="resolved"
        )
    )


def test_it_stores_portal_login_emails_in_lower_case() -> None:
    assert refused(lambda: CanvasUser.objects.bulk_create([CanvasUser(email="Bob@Example.com")]))


def test_it_gives_every_user_a_login_name() -> None:
    assert refused(lambda: CanvasUser.objects.bulk_create([CanvasUser(email=None, phone_number=None)]))


def test_it_stores_login_phones_in_e164() -> None:
    assert refused(lambda: CanvasUser.objects.bulk_create([CanvasUser(phone_number="617-555-0101")]))


def test_it_links_a_user_to_at_most_one_patient(alice: Any) -> None:
    assert refused(
        lambda: Patient.objects.create(first_name="A", last_name="B", birth_date=date(1990, 1, 1), user=alice.user)
    )
