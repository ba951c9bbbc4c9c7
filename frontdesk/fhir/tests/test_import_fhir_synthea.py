"""`frontdesk import-fhir` on Synthea's 10-patient sample (/work/shared/data/synthea-10-patients,
or FRONTDESK_SYNTHEA_DIR): what it loads, that a second run changes nothing, and one patient's chart
read back through the FHIR API. Skipped when the data set is not on this machine."""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from frontdesk.accounts.models import CanvasUser
from frontdesk.audit.models import AuditEntry
from frontdesk.clinic.models import (
    AllergyIntolerance,
    Condition,
    Medication,
    Patient,
    PatientContactPoint,
    PracticeLocation,
    Staff,
)
from frontdesk.events.models import OutboxEvent
from frontdesk.fhir.tests.conftest import parse

SYNTHEA = Path(os.environ.get("FRONTDESK_SYNTHEA_DIR", "/work/shared/data/synthea-10-patients"))
# Augustus Emmerich (1995-12-30): 21 conditions (6 active), 4 drugs, 8 allergies.
AUGUSTUS = "cbc86e51-9eca-3855-76ec-c058f72c5761"

pytestmark = pytest.mark.skipif(
    not (SYNTHEA / "Patient.000.ndjson").exists(), reason=f"the Synthea sample is not at {SYNTHEA}"
)


@pytest.fixture
def imported(db: Any) -> str:
    CanvasUser.objects.create_user(email="dana@example.org", password="x-long-password-1", is_staff=True)
    return run()


def run() -> str:
    out = StringIO()
    call_command("import-fhir", str(SYNTHEA), "--committer", "dana@example.org", stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "patients": Patient.objects.count(),
        "staff": Staff.objects.count(),
        "locations": PracticeLocation.objects.count(),
        "conditions": Condition.objects.count(),
        "medications": Medication.objects.count(),
        "allergies": AllergyIntolerance.objects.count(),
        "telecom": PatientContactPoint.objects.count(),
        "audit": AuditEntry.objects.count(),
        "events": OutboxEvent.objects.count(),
    }


def test_it_loads_the_sample(imported: str) -> None:
    assert {k: v for k, v in counts().items() if k not in ("audit", "events", "telecom")} == {
        "patients": 13,
        "staff": 43,
        "locations": 43,  # the 44th is a kind of place ("Patient's Home"), not a location
        "conditions": 555,
        "medications": 70,  # from 1745 requests: one per patient and drug
        "allergies": 11,
    }
    assert "lines not imported: 0" in imported
    assert Staff.objects.filter(primary_practice_location__isnull=False).count() == 43


def test_it_changes_nothing_when_run_again(imported: str) -> None:
    before = counts()

    out = run()

    assert counts() == before
    assert "13 Patient (13 unchanged)" in out
    assert "555 Condition (555 unchanged)" in out


def test_it_serves_one_patients_chart_through_the_api(imported: str, api: Client) -> None:
    patient = Patient.objects.get(external_identifiers__value=AUGUSTUS, external_identifiers__system__startswith="urn:")
    assert (patient.first_name, patient.middle_name, patient.last_name) == ("Augustus49", "Neville893", "Emmerich580")

    conditions = parse(api.get("/fhir/Condition", {"patient": patient.id, "_count": 100}))
    active = parse(api.get("/fhir/Condition", {"patient": patient.id, "clinical-status": "active"}))
    medications = parse(api.get("/fhir/MedicationStatement", {"patient": patient.id}))
    allergies = parse(api.get("/fhir/AllergyIntolerance", {"patient": patient.id}))

    assert (conditions["total"], active["total"], medications["total"], allergies["total"]) == (21, 6, 4, 8)
    drugs = {e["resource"]["medicationCodeableConcept"]["text"]: e["resource"]["status"] for e in medications["entry"]}
    assert drugs["Fexofenadine hydrochloride 30 MG Oral Tablet"] == "active"
    assert drugs["Ibuprofen 200 MG Oral Tablet"] == "completed"
    assert "Aspirin" in {e["resource"]["code"]["text"] for e in allergies["entry"]}
