"""A search page of patients is audited as one chart view per patient, written in one statement:
the cost of a page does not grow with its size."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic.services import create_patient
from frontdesk.fhir.tests.conftest import parse


def _patients(count: int) -> None:
    for i in range(count):
        create_patient(actor=Actor.system("tests"), first_name=f"P{i}", last_name="Page", birth_date=date(1980, 1, 1))


def _queries(api: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(path).status_code == 200
    return len(captured)


def test_it_audits_each_patient_on_a_page_with_the_same_number_of_queries(api: Client, db: Any) -> None:
    _patients(30)
    small = _queries(api, "/fhir/Patient?_count=2")
    large = _queries(api, "/fhir/Patient?_count=30")

    assert large == small
    viewed = AuditEntry.objects.filter(action="chart.viewed", detail__what="fhir Patient")
    assert viewed.count() == 32
    assert viewed.values("patient_key").distinct().count() == 30
    entry = viewed.first()
    assert entry is not None
    assert (entry.actor_kind, entry.target_type, entry.target_id) == ("system", "Patient", entry.patient_key)


def test_it_records_a_patient_once_per_response_however_often_they_appear(api: Client, alice: Any) -> None:
    bundle = parse(api.get(f"/fhir/Condition?patient=Patient/{alice.id}"))
    assert bundle["total"] == 0
    parse(api.get(f"/fhir/Patient?_id={alice.id},{alice.id}"))
    assert AuditEntry.objects.filter(action="chart.viewed", patient_key=alice.id).count() == 1
