"""Dana sees the ids other systems gave an appointment in the back office, and cannot edit them
there (they are written through the FHIR API)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from frontdesk.audit.services import Actor
from frontdesk.clinic.tests.admin_forms import page_data
from frontdesk.scheduling import services
from frontdesk.scheduling.models import AppointmentExternalIdentifier


def test_it_shows_an_appointments_identifiers_read_only(
    dana_client: Any, alice: Any, dr_patel: Any, office_visit: Any
) -> None:
    appointment = services.book_appointment(
        actor=Actor.system("tests"),
        patient=alice,
        provider=dr_patel,
        location=None,
        note_type=office_visit,
        start_time=datetime(2026, 12, 7, 14, tzinfo=UTC),
        identifiers=[services.NewIdentifier(value="B-1001", system="https://scheduler.example.com")],
    )
    url = f"/admin/scheduling/appointment/{appointment.dbid}/change/"

    page = dana_client.get(url)
    data = page_data(page)
    data["external_identifiers-0-value"] = "CHANGED"
    dana_client.post(url, data)

    assert page.status_code == 200
    assert "B-1001" in page.content.decode()
    assert list(AppointmentExternalIdentifier.objects.values_list("value", flat=True)) == ["B-1001"]
