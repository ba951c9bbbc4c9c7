"""Dana's back-office scheduling pages: the appointment list stays at a fixed number of queries
with many rows and providers, filters by provider, and saves go through the audited services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Staff, StaffRole
from frontdesk.clinic.services import save_staff
from frontdesk.clinic.tests.admin_forms import page_data
from frontdesk.scheduling.models import NoteType
from frontdesk.scheduling.tests.conftest import book

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def test_it_lists_many_appointments_and_providers_in_a_fixed_number_of_queries(
    dana_client: Any, alice: Any, office_visit: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(22):
        provider = save_staff(actor=Actor.system("tests"), staff=Staff(first_name=f"Doc{i}", last_name="Crowd"))
        StaffRole.objects.create(staff=provider, role_type=StaffRole.RoleType.CLINICAL, code="MD", name="Physician")
        book(alice, NOW + timedelta(hours=i), provider=provider, note_type=office_visit)

    with django_assert_max_num_queries(16):
        response = dana_client.get("/admin/scheduling/appointment/")

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 22
    assert "Doc7 Crowd, MD" in response.content.decode()


def test_it_filters_appointments_by_provider(dana_client: Any, alice: Any, dr_patel: Any, office_visit: Any) -> None:
    other = save_staff(actor=Actor.system("tests"), staff=Staff(first_name="Sam", last_name="Okafor"))
    mine = book(alice, NOW, provider=dr_patel, note_type=office_visit)
    book(alice, NOW, provider=other, note_type=office_visit)

    response = dana_client.get("/admin/scheduling/appointment/", {"provider__dbid__exact": dr_patel.dbid})

    assert list(response.context["cl"].result_list) == [mine]


def test_it_saves_a_note_type_edit_through_the_service(dana_client: Any, dana: Any, office_visit: Any) -> None:
    url = f"/admin/scheduling/notetype/{office_visit.dbid}/change/"
    data = page_data(dana_client.get(url)) | {"online_duration": "45"}

    response = dana_client.post(url, data)

    assert response.status_code == 302
    assert NoteType.objects.get().online_duration == 45
    entry = AuditEntry.objects.get(action="note_type.updated")
    assert (entry.actor_user_dbid, entry.detail) == (dana.dbid, {"fields": ["online_duration"]})


def test_it_shows_the_portal_rule_on_the_note_type_form(dana_client: Any, office_visit: Any) -> None:
    url = f"/admin/scheduling/notetype/{office_visit.dbid}/change/"
    data = page_data(dana_client.get(url))
    del data["is_scheduleable"]

    response = dana_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert NoteType.objects.get().is_scheduleable


def test_it_books_an_appointment_in_the_back_office(
    dana_client: Any, dana: Any, alice: Any, dr_patel: Any, office_visit: Any
) -> None:
    data = page_data(dana_client.get("/admin/scheduling/appointment/add/"))
    data |= {
        "patient": alice.pk,
        "provider": dr_patel.pk,
        "note_type": office_visit.pk,
        "start_time_0": "2026-03-11",
        "start_time_1": "09:30:00",
        "duration_minutes": "30",
        "status": "confirmed",
    }

    response = dana_client.post("/admin/scheduling/appointment/add/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(action="appointment.created")
    assert (entry.actor_user_dbid, entry.patient_key) == (dana.dbid, alice.id)
    assert alice.appointments.get().start_time == datetime(2026, 3, 11, 9, 30, tzinfo=UTC)
