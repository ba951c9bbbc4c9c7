"""Seed 003 driven by a real third-party client: fhirpy (its sync client, over HTTP against a live
server) gets a token, pages through Schedules, searches Slots, books, reads, cancels, and finds the
slot free again. What a client written for Canvas does, with only the base URL and credentials
changed."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import time_machine
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome, ResourceNotFound

from frontdesk.fhir.tests.conftest import check_r4
from frontdesk.scheduling.models import Appointment, AppointmentProgressStatus

pytestmark = pytest.mark.django_db(transaction=True)


def _token(base: str, oauth_client: Any) -> str:
    response = requests.post(
        f"{base}/auth/token/",
        data={
            "grant_type": "client_credentials",
            "client_id": oauth_client.client.client_id,
            "client_secret": oauth_client.secret,
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@time_machine.travel(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=True)
def test_it_runs_the_external_scheduling_flow_with_fhirpy(
    live_server: Any, oauth_client: Any, alice: Any, dr_patel: Any, nurse_lee: Any, boston: Any, patel_in_boston: Any
) -> None:
    token = _token(live_server.url, oauth_client)
    fhir = SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {token}")
    # Writes ask for the resource back (standard FHIR); Canvas's default is an empty 201.
    writer = SyncFHIRClient(
        f"{live_server.url}/fhir",
        authorization=f"Bearer {token}",
        extra_headers={"Prefer": "return=representation"},
    )

    # fhirpy follows the Bundle's relative `next` links page by page.
    schedules = fhir.resources("Schedule").limit(1).fetch_all()  # one a page: two pages
    patel = f"Location.{boston.dbid}-Staff.{dr_patel.id}"
    assert sorted(s.id for s in schedules) == sorted([patel, f"Location.{boston.dbid}-Staff.{nurse_lee.id}"])
    assert fhir.resources("Practitioner").count() == 2  # both schedulable staff

    slots_search = fhir.resources("Slot").search(schedule=patel, start="2026-03-03", end="2026-03-03", duration="30")
    slots = slots_search.limit(100).fetch()
    assert len(slots) == 16  # 09:00-17:00 in half hours
    slot = slots[0]
    assert (slot.start, slot.end) == ("2026-03-03T09:00:00-05:00", "2026-03-03T09:30:00-05:00")
    check_r4(slot.serialize())

    draft = writer.resource(
        "Appointment",
        status="booked",
        appointmentType={"coding": [{"system": "http://snomed.info/sct", "code": "185389009"}]},
        reasonCode=[{"text": "Annual check"}],
        start=slot.start,
        end=slot.end,
        participant=[
            {"actor": {"reference": f"Practitioner/{dr_patel.id}"}, "status": "accepted"},
            {"actor": {"reference": f"Patient/{alice.id}"}, "status": "accepted"},
        ],
        supportingInformation=[{"reference": f"Location/{boston.id}"}],
    )
    draft.save()
    assert draft.id
    check_r4(draft.serialize())

    # Another client taking the same time is told it is gone, as Canvas words it.
    with pytest.raises(OperationOutcome, match=re.escape("This appointment time is no longer available.")):
        writer.resource("Appointment", **{k: v for k, v in draft.serialize().items() if k != "id"}).save()

    appointment = fhir.reference("Appointment", draft.id).to_resource()
    assert appointment.status == "booked"
    assert appointment.start == slot.start
    assert [a.id for a in fhir.resources("Appointment").search(patient=f"Patient/{alice.id}").fetch_all()] == [draft.id]
    assert slots_search.count() == len(slots) - 1

    appointment.status = "cancelled"
    writer.resource("Appointment", **appointment.serialize()).save()
    assert Appointment.objects.get(id=draft.id).status == AppointmentProgressStatus.CANCELLED
    assert fhir.reference("Appointment", draft.id).to_resource().status == "cancelled"
    assert [s.serialize() for s in slots_search.limit(100).fetch()] == [s.serialize() for s in slots]

    with pytest.raises(ResourceNotFound):
        fhir.reference("Appointment", "00000000-0000-0000-0000-000000000000").to_resource()
