"""Dana reads the audit trail in the back office: many entries in a fixed number of queries,
searchable by patient and request, filterable by action."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor, record

pytestmark = pytest.mark.django_db


def test_it_lists_many_entries_in_a_fixed_number_of_queries(
    dana_client: Any, alice: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(30):
        record(actor=Actor.system("tests"), action=f"thing.{i % 3}", patient_key=alice.id, target=alice)

    with django_assert_max_num_queries(12):
        response = dana_client.get("/admin/audit/auditentry/")

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= 30


def test_it_finds_a_patients_entries_and_filters_by_action(dana_client: Any, alice: Any, charlie: Any) -> None:
    actor = Actor.system("tests")
    alice_view = record(actor=actor, action="chart.viewed", patient_key=alice.id, target=alice)
    charlie_view = record(actor=actor, action="chart.viewed", patient_key=charlie.id, target=charlie)

    by_patient = dana_client.get("/admin/audit/auditentry/", {"q": alice.id}).context["cl"].result_list
    by_action = dana_client.get("/admin/audit/auditentry/", {"action": "chart.viewed"}).context["cl"].result_list

    assert alice_view in by_patient and charlie_view not in by_patient
    assert all(e.patient_key == alice.id for e in by_patient)
    assert list(by_action) == [charlie_view, alice_view]
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {"patient.created", "chart.viewed"}
