"""Creating and editing a patient: validated, audited, and announced (PATIENT_CREATED/UPDATED)
in the same transaction as the change."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Patient
from frontdesk.clinic.services import create_patient, update_patient
from frontdesk.clinic.tests.readers import audit, events
from frontdesk.events.models import OutboxEvent

pytestmark = pytest.mark.django_db


def test_it_creates_a_patient_with_an_audit_entry_and_a_patient_created_event(dana: Any) -> None:
    patient = create_patient(actor=Actor.for_user(dana), first_name="Erin", last_name="Ek", birth_date=date(1990, 2, 3))

    [entry] = audit("patient.created")
    assert entry.actor_kind == AuditEntry.ActorKind.STAFF
    assert entry.actor_user_dbid == dana.dbid
    assert entry.actor_label == "staff:dana@example.com"
    assert entry.patient_key == patient.id
    assert (entry.target_type, entry.target_id) == ("Patient", patient.id)
    assert entry.detail == {"fields": ["birth_date", "first_name", "last_name"]}

    [event] = events()
    assert event.name == "PATIENT_CREATED"
    assert event.target_id == patient.id
    assert len(event.target_id) == 32
    assert event.target_type == "Patient"
    assert event.context == {}
    assert event.actor_id == str(dana.dbid)
    assert event.source == "staff:dana@example.com"
    assert event.processed_at is None


def test_it_updates_a_patient_and_emits_patient_updated(alice: Any, dana: Any) -> None:
    OutboxEvent.objects.all().delete()

    update_patient(actor=Actor.for_user(dana), patient=alice, nickname="Ally")

    alice.refresh_from_db()
    assert alice.nickname == "Ally"
    [event] = events()
    assert (event.name, event.target_id, event.target_type, event.context) == (
        "PATIENT_UPDATED",
        alice.id,
        "Patient",
        {},
    )
    [entry] = audit("patient.updated")
    assert entry.patient_key == alice.id
    assert entry.detail == {"fields": ["nickname"]}


@pytest.mark.parametrize(
    "birth_date",
    [date(1849, 12, 31), date(1066, 10, 14), date(2026, 3, 12), date(2100, 1, 1)],
    ids=["before-1850", "medieval", "day-after-tomorrow", "next-century"],
)
def test_it_refuses_an_implausible_birth_date_and_saves_nothing(birth_date: date) -> None:
    with time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=UTC)), pytest.raises(ValidationError) as exc:
        create_patient(actor=Actor.system("tests"), first_name="Old", last_name="Timer", birth_date=birth_date)

    assert "birth_date" in exc.value.message_dict
    assert not Patient.objects.exists()
    assert not OutboxEvent.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_accepts_a_patient_born_today_wherever_today_is() -> None:
    # 12:00 UTC on March 10 is already March 11 in Kiribati (UTC+14).
    with time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=UTC)):
        today = create_patient(actor=Actor.system("tests"), first_name="A", last_name="B", birth_date=date(2026, 3, 10))
        kiribati = create_patient(
            actor=Actor.system("tests"), first_name="C", last_name="D", birth_date=date(2026, 3, 11)
        )

    assert today.dbid and kiribati.dbid


def test_it_refuses_a_time_zone_that_is_not_iana() -> None:
    with pytest.raises(ValidationError) as exc:
        create_patient(
            actor=Actor.system("tests"),
            first_name="Zed",
            last_name="Zone",
            birth_date=date(1980, 1, 1),
            last_known_timezone="Mars/Olympus_Mons",
        )

    assert "Mars/Olympus_Mons" in exc.value.message_dict["last_known_timezone"][0]
    assert not Patient.objects.exists()
    assert not OutboxEvent.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_refuses_a_bad_edit_and_leaves_the_saved_patient_alone(alice: Any) -> None:
    before_events, before_audit = OutboxEvent.objects.count(), AuditEntry.objects.count()

    with pytest.raises(ValidationError) as exc:
        update_patient(actor=Actor.system("tests"), patient=alice, last_name="Changed", birth_date=date(1700, 1, 1))

    assert "birth_date" in exc.value.message_dict
    alice.refresh_from_db()
    assert (alice.last_name, alice.birth_date) == ("Anders", date(1985, 4, 12))
    assert OutboxEvent.objects.count() == before_events
    assert AuditEntry.objects.count() == before_audit


def test_it_leaves_neither_event_nor_audit_entry_when_the_callers_transaction_rolls_back() -> None:
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        create_patient(actor=Actor.system("tests"), first_name="Ghost", last_name="Row", birth_date=date(1970, 1, 1))
        assert OutboxEvent.objects.filter(name="PATIENT_CREATED").exists()
        raise Abort

    assert not Patient.objects.exists()
    assert not OutboxEvent.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_keeps_neither_patient_nor_audit_entry_when_the_event_cannot_be_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If writing the event fails, the patient and its audit entry are not kept either."""

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr("frontdesk.clinic.services.record_event", broken)

    with pytest.raises(RuntimeError):
        create_patient(actor=Actor.system("tests"), first_name="Half", last_name="Done", birth_date=date(1970, 1, 1))

    assert not Patient.objects.exists()
    assert not AuditEntry.objects.exists()
