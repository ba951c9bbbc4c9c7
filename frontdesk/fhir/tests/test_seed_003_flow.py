"""Seed 003, external scheduling, end to end: token → Schedule search → Slot search → Appointment
create → read → cancel → the slot is free again."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import time_machine
from django.test import Client

from frontdesk.fhir.tests.conftest import parse
from frontdesk.scheduling.models import Appointment, AppointmentProgressStatus


@time_machine.travel(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False)
def test_it_books_and_cancels_through_the_fhir_api(
    client: Client, oauth_client: Any, alice: Any, dr_patel: Any, boston: Any, patel_in_boston: Any
) -> None:
    token = client.post(
        "/auth/token/",
        {
            "grant_type": "client_credentials",
            "client_id": oauth_client.client.client_id,
            "client_secret": oauth_client.secret,
        },
    ).json()["access_token"]
    api = Client(headers={"Authorization": f"Bearer {token}"})

    schedules = parse(api.get("/fhir/Schedule"))
    schedule_id = schedules["entry"][0]["resource"]["id"]
    assert schedule_id == f"Location.{boston.dbid}-Staff.{dr_patel.id}"

    slots_url = f"/fhir/Slot?schedule={schedule_id}&start=2026-03-03&end=2026-03-03&duration=30&_count=100"
    slots = parse(api.get(slots_url))
    slot = slots["entry"][0]["resource"]
    assert (slot["start"], slot["end"]) == ("2026-03-03T09:00:00-05:00", "2026-03-03T09:30:00-05:00")

    created = api.post(
        "/fhir/Appointment",
        json.dumps(
            {
                "resourceType": "Appointment",
                "status": "booked",
                "appointmentType": {"coding": [{"system": "http://snomed.info/sct", "code": "185389009"}]},
                "reasonCode": [{"text": "Annual check"}],
                "start": slot["start"],
                "end": slot["end"],
                "participant": [
                    {"actor": {"reference": f"Practitioner/{dr_patel.id}"}, "status": "accepted"},
                    {"actor": {"reference": f"Patient/{alice.id}"}, "status": "accepted"},
                ],
                "supportingInformation": [{"reference": f"Location/{boston.id}"}],
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    appointment_id = created["Location"].split("/")[-1]

    appointment = parse(api.get(f"/fhir/Appointment/{appointment_id}"))
    assert appointment["status"] == "booked"
    assert appointment["start"] == slot["start"]
    after_booking = parse(api.get(slots_url))
    assert slot not in [e["resource"] for e in after_booking["entry"]]
    assert after_booking["total"] == slots["total"] - 1

    cancelled = api.put(
        f"/fhir/Appointment/{appointment_id}",
        json.dumps(appointment | {"status": "cancelled"}),
        content_type="application/json",
    )
    assert cancelled.status_code == 200
    assert Appointment.objects.get(id=appointment_id).status == AppointmentProgressStatus.CANCELLED

    assert parse(api.get(f"/fhir/Appointment/{appointment_id}"))["status"] == "cancelled"
    assert parse(api.get(slots_url)) == slots
