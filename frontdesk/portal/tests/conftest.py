"""Fixtures for the portal tests: a clinician, chart items and appointments for a patient, and a
practice patients can book online."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
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
    PracticeLocation,
    Staff,
    StaffRole,
)
from frontdesk.plugins import hooks
from frontdesk.plugins.client import EffectData
from frontdesk.scheduling.models import Appointment, Availability, NoteType
from frontdesk.scheduling.services import book_appointment, save_appointment, save_availability, save_note_type


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


# --- appointments: a practice patients can book online ----------------------------------------------

MONDAY = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)  # 7:00 AM in New York, where Alice and the clinic are


@pytest.fixture
def practice(db: Any, time_machine: Any) -> SimpleNamespace:
    """A practice open for online booking, with the clock at Monday 3 March 2025, 7:00 AM in New York.

    Harbor Clinic (New York), where Dr. Grace Hopper (MD) and Dr. Ada Lovelace (NP) see patients
    on weekdays 9:00-12:00; Hilltop Clinic, where nobody does. An Office visit (30 minutes) and a
    Video visit (telehealth, 20 minutes) are bookable online. `practice.book(patient, start, ...)`
    books as the front desk.
    """
    time_machine.move_to(MONDAY, tick=False)
    desk = Actor.system("tests")
    harbor = clinic.save_location(
        actor=desk, location=PracticeLocation(full_name="Harbor Clinic", time_zone="America/New_York")
    )
    hilltop = clinic.save_location(
        actor=desk, location=PracticeLocation(full_name="Hilltop Clinic", time_zone="America/New_York")
    )
    providers = []
    for first, last, code in (("Grace", "Hopper", "MD"), ("Ada", "Lovelace", "NP")):
        room = f"https://meet.example/{last.lower()}"  # video visits get the provider's room
        person = clinic.save_staff(
            actor=desk,
            staff=Staff(
                prefix="Dr.", first_name=first, last_name=last, is_schedulable=True, personal_meeting_room_link=room
            ),
        )
        StaffRole.objects.create(staff=person, role_type=StaffRole.RoleType.CLINICAL, code=code, name=code)
        person.practice_locations.add(harbor)
        providers.append(person)
    office = save_note_type(
        actor=desk,
        note_type=NoteType(
            name="Office visit", is_scheduleable=True, is_scheduleable_via_patient_portal=True, online_duration=30
        ),
    )
    video = save_note_type(
        actor=desk,
        note_type=NoteType(
            name="Video visit",
            is_scheduleable=True,
            is_scheduleable_via_patient_portal=True,
            online_duration=20,
            is_telehealth=True,
        ),
    )
    for person in providers:
        save_availability(
            actor=desk,
            availability=Availability(
                provider=person,
                location=harbor,
                weekdays=[0, 1, 2, 3, 4],
                start_date=MONDAY.date(),
                start_time=time(9, 0),
                end_time=time(12, 0),
            ),
        )

    def book(patient: Any, start: datetime, **fields: Any) -> Appointment:
        fields.setdefault("provider", providers[0])
        fields.setdefault("location", harbor)
        fields.setdefault("note_type", office)
        return book_appointment(actor=desk, patient=patient, start_time=start, **fields)

    return SimpleNamespace(
        harbor=harbor,
        hilltop=hilltop,
        hopper=providers[0],
        lovelace=providers[1],
        office=office,
        video=video,
        book=book,
        desk=desk,
    )


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """A fake plugin runner: `plugins.answer(event, effect_type, payload)` makes plugins answer
    `event` with one effect (payload: JSON-able, or a str sent as is); `plugins.asked` lists each
    round trip's event names."""
    table: dict[str, list[EffectData]] = {}
    asked: list[list[str]] = []

    def ask(events: list[Any], **_: Any) -> list[list[EffectData]]:
        asked.append([e.name for e in events])
        return [table.get(e.name, []) for e in events]

    def answer(event: str, effect_type: str, payload: Any, plugin: str = "acme") -> None:
        body = payload if isinstance(payload, str) else json.dumps(payload)
        table.setdefault(event, []).append(EffectData(effect_type, body, plugin, f"{plugin}.handlers:Handler"))

    monkeypatch.setattr(hooks, "ask", ask)
    return SimpleNamespace(answer=answer, asked=asked, table=table)
