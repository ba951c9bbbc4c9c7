"""Clinic fixtures beyond the personas: a location and a provider. (Readers for the outbox and
the audit trail are in `readers.py`.)"""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.audit.services import Actor


@pytest.fixture
def staff_actor(dana: Any) -> Actor:
    return Actor.for_user(dana)


@pytest.fixture
def boston(db: Any) -> Any:
    from frontdesk.clinic.models import PracticeLocation
    from frontdesk.clinic.services import save_location

    return save_location(
        actor=Actor.system("tests"),
        location=PracticeLocation(full_name="Harbor Clinic", short_name="Boston", time_zone="America/New_York"),
    )


@pytest.fixture
def dr_patel(boston: Any) -> Any:
    from frontdesk.clinic.models import Staff, StaffRole
    from frontdesk.clinic.services import save_staff

    staff = save_staff(
        actor=Actor.system("tests"),
        staff=Staff(
            first_name="Maya",
            last_name="Patel",
            prefix="Dr.",
            npi_number="1467583920",
            is_schedulable=True,
            primary_practice_location=boston,
        ),
    )
    StaffRole.objects.create(staff=staff, role_type=StaffRole.RoleType.CLINICAL, code="MD", name="Physician")
    return staff
