"""A patient-facing SMART app built on a real client library (fhirclient) against a live server:
it discovers the OAuth endpoints in /fhir/metadata, sends Alice to /auth/authorize/ with PKCE,
exchanges the code, reads her record and her appointments, cannot read Charlie's, and refreshes
its token. Alice's approval is given through the portal (a signed-in browser session)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from fhirclient import client
from fhirclient.models.appointment import Appointment as FhirAppointment
from fhirclient.models.patient import Patient as FhirPatient
from fhirclient.server import FHIRNotFoundException

from conftest import make_patient
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Patient
from frontdesk.fhir import services
from frontdesk.scheduling.services import book_appointment

pytestmark = pytest.mark.django_db(transaction=True)

REDIRECT = "https://diary.example/callback"


@pytest.fixture
def alice(db: Any) -> Patient:
    return make_patient("Alice", "Adams", email="alice@example.com")


@pytest.fixture
def charlie(db: Any) -> Patient:
    return make_patient("Charlie", "Chen", email="charlie@example.com")


def test_a_fhirclient_app_launches_reads_only_its_patient_and_refreshes(
    live_server: Any, alice: Patient, charlie: Patient, dr_patel: Any, boston: Any, office_visit: Any
) -> None:
    dr_patel.practice_locations.add(boston)
    visits = [
        book_appointment(
            actor=Actor.system("tests"),
            patient=patient,
            provider=dr_patel,
            location=boston,
            note_type=office_visit,
            start_time=datetime(2030, 3, 4, 15, tzinfo=UTC) + timedelta(hours=hour),
            duration_minutes=30,
        )
        for hour, patient in enumerate((alice, charlie))
    ]
    app = services.create_oauth_client(
        actor=Actor.system("tests"),
        name="Health Diary",
        allowed_scopes="patient/*.read offline_access",
        redirect_uris=REDIRECT,
        is_public=True,
    )
    smart = client.FHIRClient(
        settings={
            "app_id": app.client.client_id,
            "api_base": f"{live_server.url}/fhir",
            "redirect_uri": REDIRECT,
            "scope": "launch/patient openid fhirUser patient/*.read offline_access",
        }
    )

    # The library finds /auth/authorize/ and /auth/token/ in the CapabilityStatement's SMART extension.
    authorize = urlsplit(smart.authorize_url)
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{live_server.url}/auth/authorize/"

    browser = Client(HTTP_HOST=urlsplit(live_server.url).netloc)
    browser.force_login(alice.user, backend="frontdesk.accounts.backends.IdentifierBackend")
    page = browser.get(f"{authorize.path}?{authorize.query}")
    assert page.status_code == 200
    assert "Health Diary" in page.content.decode()
    params = {k: v[0] for k, v in page.wsgi_request.GET.lists()}
    approved = browser.post("/auth/authorize/", {**params, "decision": "approve"})
    assert approved.status_code == 302
    assert approved["Location"].startswith(REDIRECT)

    smart.handle_callback(approved["Location"])
    assert smart.ready
    assert smart.patient_id == alice.id
    assert smart.patient is not None
    assert smart.human_name(smart.patient.name[0]) == "Alice Adams"

    mine = FhirAppointment.where(struct={"patient": f"Patient/{alice.id}"}).perform_resources_iter(smart.server)
    assert [a.id for a in mine] == [str(visits[0].id)]
    everyone = FhirAppointment.where(struct={}).perform_resources_iter(smart.server)
    assert [a.id for a in everyone] == [str(visits[0].id)]  # the token's patient only, whatever is asked
    with pytest.raises(FHIRNotFoundException):
        FhirPatient.read(charlie.id, smart.server)

    first_token = smart.server.auth.access_token
    assert smart.reauthorize() is not None  # the refresh token, used once
    assert smart.server.auth.access_token != first_token
    assert FhirPatient.read(alice.id, smart.server).id == alice.id
    # The library keeps its HTTP connection open; close it so the live server's request thread
    # (and its database connection) ends with the test.
    smart.server.session.close()
