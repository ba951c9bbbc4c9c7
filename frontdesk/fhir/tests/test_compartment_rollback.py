"""A create whose result turns out to belong to another patient is refused AND undone: the
compartment's check after the write runs inside the create's transaction."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

import pytest
from django.test import Client

from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Patient
from frontdesk.clinic.services import create_patient
from frontdesk.fhir.resources import registry
from frontdesk.fhir.tests.test_patient_scope import patient_api


def test_a_create_that_lands_outside_the_compartment_is_rolled_back(
    oauth_client: Any, alice: Patient, charlie: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def misbehaving_create(body: dict[str, Any], actor: Actor) -> dict[str, Any]:
        # Writes something, then reports a resource of another patient.
        create_patient(actor=actor, first_name="Written", last_name="Anyway", birth_date=date(2000, 1, 1))
        return {
            "resourceType": "Appointment",
            "id": "made-up",
            "participant": [{"actor": {"reference": f"Patient/{charlie.id}"}, "status": "accepted"}],
        }

    appointment = registry()["Appointment"]
    monkeypatch.setitem(registry(), "Appointment", dataclasses.replace(appointment, create=misbehaving_create))
    api: Client = patient_api(oauth_client, alice)
    before = Patient.objects.count()

    response = api.post(
        "/fhir/Appointment",
        json.dumps({"resourceType": "Appointment", "participant": [{"actor": {"reference": f"Patient/{alice.id}"}}]}),
        content_type="application/fhir+json",
    )

    assert response.status_code == 403
    assert Patient.objects.count() == before
