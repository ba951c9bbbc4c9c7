"""Nobody reaches another patient's appointments; malformed ids are 404 too; visitors sign in
first; and with PATIENT_APP_APPOINTMENTS off the section leaves the navigation and every one of
its URLs answers 404."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from constance.test import override_config
from django.test import Client

from frontdesk.audit.models import AuditEntry
from frontdesk.scheduling.models import Appointment, AppointmentProgressStatus

WEDNESDAY_10 = datetime(2025, 3, 5, 15, 0, tzinfo=UTC)
THURSDAY_11 = datetime(2025, 3, 6, 16, 0, tzinfo=UTC)


def id_urls(appointment_id: Any) -> list[str]:
    return [f"/appointments/{appointment_id}/cancel/", f"/appointments/{appointment_id}/reschedule/"]


def test_it_hides_another_patients_appointments(
    charlie_client: Any, alice: Any, charlie: Any, practice: SimpleNamespace
) -> None:
    visit = practice.book(alice, WEDNESDAY_10)
    entries = AuditEntry.objects.count()
    move = {
        "provider": "",
        "date": "2025-03-03",
        "key": "b" * 32,
        "slot": f"{practice.hopper.id}|{THURSDAY_11.isoformat()}",
    }

    for path in id_urls(visit.id):
        assert charlie_client.get(path).status_code == 404, path
        assert charlie_client.post(path, move).status_code == 404, path
    listed = charlie_client.get("/appointments/").content.decode()

    assert "March 5" not in listed and str(visit.id) not in listed
    assert Appointment.objects.get().status == AppointmentProgressStatus.UNCONFIRMED
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize(
    "appointment_id", ["not-a-uuid", "1", "0" * 31 + "z", "0b7c2a64-5f1e-4d3a-8c9b-2e4f6a8d0c1e", "%00"]
)
def test_it_answers_404_for_a_malformed_or_unknown_id(alice_client: Any, appointment_id: str) -> None:
    for path in id_urls(appointment_id):
        assert alice_client.get(path).status_code == 404, path
        assert alice_client.post(path).status_code == 404, path


def test_it_sends_visitors_to_sign_in(db: Any) -> None:
    for path in ["/appointments/", "/appointments/book/", *id_urls("0b7c2a64-5f1e-4d3a-8c9b-2e4f6a8d0c1e")]:
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next="), path


def test_it_has_no_appointments_section_when_it_is_switched_off(
    alice_client: Any, alice: Any, practice: SimpleNamespace
) -> None:
    visit = practice.book(alice, WEDNESDAY_10)
    paths = ["/appointments/", "/appointments/book/", *id_urls(visit.id)]
    assert '<a href="/appointments/">Appointments</a>' in alice_client.get("/account/").content.decode()

    with override_config(PATIENT_APP_APPOINTMENTS=False):
        for path in paths:
            assert alice_client.get(path).status_code == 404, path
            assert alice_client.post(path).status_code == 404, path
        for page in ("/", "/account/"):
            shown = alice_client.get(page).content.decode()
            assert "/appointments/" not in shown and "Book an appointment" not in shown

    assert Appointment.objects.get().status == AppointmentProgressStatus.UNCONFIRMED
    assert alice_client.get("/appointments/").status_code == 200


def test_it_marks_appointments_current_on_its_pages(alice_client: Any, practice: SimpleNamespace) -> None:
    for path in ("/appointments/", "/appointments/book/"):
        page = alice_client.get(path).content.decode()
        assert '<a href="/appointments/" aria-current="page">Appointments</a>' in page, path
        assert '<a href="/" aria-current="page">' not in page
