"""A patient cancels an upcoming appointment: a confirmation page, then the cancellation, made
by the patient's own user (the audit trail says so); a refused cancel changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from frontdesk.audit.models import AuditEntry
from frontdesk.events.models import OutboxEvent
from frontdesk.plugins import hooks
from frontdesk.scheduling.models import Appointment, AppointmentProgressStatus

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
WEDNESDAY = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)  # 10:00 AM in New York


def status(appointment: Appointment) -> str:
    return Appointment.objects.get(pk=appointment.pk).status


def test_it_asks_before_cancelling(alice_client: Any, alice: Any, practice: SimpleNamespace) -> None:
    visit = practice.book(alice, WEDNESDAY)

    page = alice_client.get(f"/appointments/{visit.id}/cancel/").content.decode()

    assert "<h1>Cancel your appointment</h1>" in page
    assert "Wednesday, March 5, 2025 · 10:00 AM EST" in page and "With Dr. Grace Hopper, MD" in page
    assert f'<form method="post" action="/appointments/{visit.id}/cancel/">' in page
    assert ">Yes, cancel it</button>" in page and ">No, keep it</a>" in page
    assert status(visit) == AppointmentProgressStatus.UNCONFIRMED


def test_it_cancels_as_the_patient(
    alice_client: Any, alice: Any, practice: SimpleNamespace, django_capture_on_commit_callbacks: Any
) -> None:
    visit = practice.book(alice, WEDNESDAY)

    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/appointments/{visit.id}/cancel/", follow=True)

    assert response.redirect_chain == [("/appointments/", 302)]
    page = response.content.decode()
    assert "Your appointment on Wednesday, March 5, 2025 at 10:00 AM EST is cancelled." in page
    assert "You have no upcoming appointments." in page
    assert status(visit) == AppointmentProgressStatus.CANCELLED
    entry = AuditEntry.objects.get(action="appointment.cancelled", target_id=str(visit.id))
    assert (entry.actor_kind, entry.actor_user_dbid, entry.patient_key) == ("patient", alice.user.pk, alice.id)
    assert entry.detail["via_portal"] is True
    names = set(OutboxEvent.objects.filter(target_id=str(visit.id)).values_list("name", flat=True))
    assert {"APPOINTMENT_CANCELED", "PATIENT_PORTAL__APPOINTMENT_CANCELED"} <= names


def test_it_refuses_inside_the_cut_off_with_the_clinics_message(
    alice_client: Any, alice: Any, practice: SimpleNamespace
) -> None:
    soon = practice.book(alice, NOW + timedelta(hours=4))
    message = "This appointment can no longer be cancelled online. Please call the clinic."

    page = alice_client.get(f"/appointments/{soon.id}/cancel/").content.decode()
    assert message in page and "Yes, cancel it" not in page

    response = alice_client.post(f"/appointments/{soon.id}/cancel/")
    assert response.status_code == 400 and message in response.content.decode()
    assert status(soon) == AppointmentProgressStatus.UNCONFIRMED


def test_it_refuses_when_a_plugin_hides_cancel(
    alice_client: Any, alice: Any, practice: SimpleNamespace, plugins: SimpleNamespace
) -> None:
    visit = practice.book(alice, WEDNESDAY)
    plugins.answer(hooks.CAN_CANCEL, "PATIENT_PORTAL__APPOINTMENT_IS_CANCELABLE", {"result": False})

    response = alice_client.post(f"/appointments/{visit.id}/cancel/")

    assert response.status_code == 400
    assert "can no longer be cancelled online" in response.content.decode()
    assert status(visit) == AppointmentProgressStatus.UNCONFIRMED


def test_it_says_when_the_appointment_is_already_cancelled(
    alice_client: Any, alice: Any, practice: SimpleNamespace
) -> None:
    visit = practice.book(alice, WEDNESDAY)
    assert alice_client.post(f"/appointments/{visit.id}/cancel/").status_code == 302
    cancelled = AuditEntry.objects.filter(action="appointment.cancelled").count()

    response = alice_client.post(f"/appointments/{visit.id}/cancel/")

    assert response.status_code == 400
    assert "This appointment is already cancelled." in response.content.decode()
    assert AuditEntry.objects.filter(action="appointment.cancelled").count() == cancelled
