"""`record_event` writes to the outbox only inside the transaction of the change it describes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from frontdesk.audit.services import Actor
from frontdesk.events.models import OutboxEvent
from frontdesk.events.services import record_event


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_record_outside_a_transaction() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record_event(name="PATIENT_UPDATED", target="a" * 32, target_type="Patient")

    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_it_records_inside_a_transaction_and_forgets_on_rollback(alice: Any, dana: Any) -> None:
    with transaction.atomic():
        event = record_event(name="PATIENT_UPDATED", target=alice, target_type="Patient", actor=Actor.for_user(dana))

    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record_event(name="PATIENT_UPDATED", target=alice.id, target_type="Patient")
        1 / 0  # noqa: B018

    [kept] = OutboxEvent.objects.filter(name="PATIENT_UPDATED")
    assert kept == event
    assert (kept.target_id, kept.target_type, kept.context) == (alice.id, "Patient", {})
    assert (kept.actor_id, kept.source) == (str(dana.dbid), "staff:dana@example.com")
    assert (kept.processed_at, kept.claimed_at, kept.attempts, kept.delivered_to) == (None, None, 0, [])


@pytest.mark.django_db
def test_it_records_a_plugin_actor_without_a_user_id() -> None:
    with transaction.atomic():
        event = record_event(
            name="PATIENT_CONTACT_POINT_UPDATED",
            target="1b2c3d4e-0000-4000-8000-000000000000",
            target_type="PatientContactPoint",
            context={"patient": {"id": "f" * 32}},
            actor=Actor.plugin("reminders"),
        )

    event.refresh_from_db()
    assert (event.actor_id, event.source) == ("", "plugin:reminders")
    assert event.context == {"patient": {"id": "f" * 32}}
