"""Looking at a patient's chart in the back office leaves a "chart.viewed" entry naming who
looked, at whose chart, from where; being refused a chart does not."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.accounts.models import CanvasUser
from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Condition
from frontdesk.clinic.services import save_chart_item

pytestmark = pytest.mark.django_db


def views() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="chart.viewed").order_by("id"))


def test_it_records_dana_opening_alices_profile(dana_client: Any, dana: Any, alice: Any) -> None:
    response = dana_client.get(f"/admin/clinic/patient/{alice.dbid}/change/")

    assert response.status_code == 200
    [entry] = views()
    assert entry.actor_kind == AuditEntry.ActorKind.STAFF
    assert (entry.actor_user_dbid, entry.actor_label) == (dana.dbid, "staff:dana@example.com")
    assert entry.patient_key == alice.id
    assert (entry.target_type, entry.target_id) == ("Patient", alice.id)
    assert entry.detail == {"what": "back office profile"}
    assert entry.ip_address == "127.0.0.1"
    assert len(entry.request_id) == 36


def test_it_records_every_look_with_its_own_request_id(dana_client: Any, alice: Any, charlie: Any) -> None:
    dana_client.get(f"/admin/clinic/patient/{alice.dbid}/change/")
    dana_client.get(f"/admin/clinic/patient/{alice.dbid}/change/")
    dana_client.get(f"/admin/clinic/patient/{charlie.dbid}/change/")

    entries = views()
    assert [e.patient_key for e in entries] == [alice.id, alice.id, charlie.id]
    assert len({e.request_id for e in entries}) == 3


def test_it_records_opening_a_chart_item(dana_client: Any, alice: Any) -> None:
    condition = save_chart_item(actor=Actor.system("tests"), item=Condition(patient=alice))

    dana_client.get(f"/admin/clinic/condition/{condition.pk}/change/")

    [entry] = views()
    assert (entry.patient_key, entry.detail) == (alice.id, {"what": "condition"})


def test_it_does_not_call_a_list_page_or_a_save_a_chart_view(dana_client: Any, alice: Any) -> None:
    dana_client.get("/admin/clinic/patient/")
    dana_client.post(f"/admin/clinic/patient/{alice.dbid}/change/", {})

    assert views() == []


def test_it_records_nothing_when_the_chart_is_refused(client: Any, alice: Any) -> None:
    clerk = CanvasUser.objects.create_user(email="clerk@example.com", password="x", is_staff=True)
    client.force_login(clerk, backend="frontdesk.accounts.backends.IdentifierBackend")

    assert client.get(f"/admin/clinic/patient/{alice.dbid}/change/").status_code == 403
    condition = save_chart_item(actor=Actor.system("tests"), item=Condition(patient=alice))
    assert client.get(f"/admin/clinic/condition/{condition.pk}/change/").status_code == 403
    assert views() == []


def test_it_records_nothing_for_a_patient_who_does_not_exist(dana_client: Any) -> None:
    response = dana_client.get("/admin/clinic/patient/999999/change/")

    assert response.status_code == 302
    assert views() == []
