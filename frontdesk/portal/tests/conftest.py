"""Fixtures for the portal tests: a clinician, and chart items and appointments for a patient."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from frontdesk.audit.services import Actor
from frontdesk.clinic import services as clinic
from frontdesk.clinic.models import (
    AllergyIntolerance,
    AllergyIntoleranceCoding,
    Condition,
    ConditionCoding,
    Medication,
    MedicationCoding,
    Staff,
    StaffRole,
)
from frontdesk.scheduling.models import Appointment, NoteType
from frontdesk.scheduling.services import save_appointment, save_note_type


@pytest.fixture
def staff(dana: Any) -> Actor:
    return Actor.for_user(dana)


@pytest.fixture
def doctor(staff: Actor) -> Staff:
    doctor = clinic.save_staff(actor=staff, staff=Staff(first_name="Grace", last_name="Hopper", prefix="Dr."))
    StaffRole.objects.create(staff=doctor, role_type=StaffRole.RoleType.CLINICAL, code="MD", name="Physician")
    return doctor


@pytest.fixture
def chart(staff: Actor, doctor: Staff) -> Any:
    """`chart(patient, n)`: give the patient n conditions, medications and allergies (and noise)."""

    def add(patient: Any, n: int = 1, label: str = "") -> None:
        for i in range(n):
            condition = clinic.save_chart_item(
                actor=staff,
                item=Condition(patient=patient, last_assessed_by=doctor, last_assessed_date=date(2024, 5, 1)),
            )
            ConditionCoding.objects.create(
                condition=condition, system="icd10", code="E11", display=f"{label}Diabetes {i}"
            )
            medication = clinic.save_chart_item(
                actor=staff, item=Medication(patient=patient, sig="1 tablet daily", last_prescriber=doctor)
            )
            MedicationCoding.objects.create(
                medication=medication, system="rxnorm", code="860975", display=f"{label}Metformin {i}"
            )
            allergy = clinic.save_chart_item(
                actor=staff, item=AllergyIntolerance(patient=patient, severity="severe", narrative="hives")
            )
            AllergyIntoleranceCoding.objects.create(
                allergy_intolerance=allergy, system="rxnorm", code="7980", display=f"{label}Penicillin {i}"
            )

    return add


@pytest.fixture
def appointments(staff: Actor, doctor: Staff) -> Any:
    """`appointments(patient, n)`: book n upcoming visits with the doctor."""
    note_type = save_note_type(actor=staff, note_type=NoteType(name="Office visit", is_scheduleable=True))

    def book(patient: Any, n: int = 1, start: datetime | None = None) -> list[Appointment]:
        first = start or timezone.now() + timedelta(days=1)
        return [
            save_appointment(
                actor=staff,
                appointment=Appointment(
                    patient=patient,
                    provider=doctor,
                    note_type=note_type,
                    start_time=first + timedelta(days=i),
                    duration_minutes=30,
                ),
            )
            for i in range(n)
        ]

    return book
