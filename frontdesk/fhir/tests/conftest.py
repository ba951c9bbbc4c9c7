"""FHIR fixtures: a clinic with two locations and three staff, a registered OAuth client, and
`api`, a test client that sends a Bearer token; `parse` checks a body with fhirclient's strict R4
models and against the official R4 JSON schema (fixtures/fhir.schema.json.gz, see its README)."""

from __future__ import annotations

import gzip
import json
from datetime import date, time
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from fhirclient.models.fhirelementfactory import FHIRElementFactory
from jsonschema import Draft6Validator
from jsonschema.exceptions import best_match

from frontdesk.accounts.models import CanvasUser
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Patient, PracticeLocation, Staff, StaffRole
from frontdesk.clinic.services import create_patient, save_location, save_staff
from frontdesk.fhir import services
from frontdesk.fhir.services import NewClient
from frontdesk.scheduling.models import Availability, NoteType
from frontdesk.scheduling.services import save_availability, save_note_type

SCHEMA = Path(__file__).parent / "fixtures" / "fhir.schema.json.gz"


@cache
def _definitions() -> dict[str, Any]:
    with gzip.open(SCHEMA, "rt", encoding="utf-8") as f:
        definitions = dict(json.load(f)["definitions"])
    # The schema was published with R4 4.0.0; 4.0.1 (a technical correction, the version every R4
    # server declares) came later, and that enum is the one place the schema must learn of it.
    version = definitions["CapabilityStatement"]["properties"]["fhirVersion"]
    version["enum"] = [*version["enum"], "4.0.1"]
    return definitions


@cache
def _validator(resource_type: str) -> Draft6Validator:
    definitions = _definitions()
    assert resource_type in definitions, f"{resource_type} is not an R4 resource type"
    return Draft6Validator({"$ref": f"#/definitions/{resource_type}", "definitions": definitions})


def schema_errors(resource: dict[str, Any]) -> list[str]:
    """Return the R4 JSON schema's complaints about `resource` (and each Bundle entry), as
    "path: message" lines; empty when it validates."""
    problems = []
    error = best_match(_validator(resource["resourceType"]).iter_errors(resource))
    if error is not None:
        problems.append(f"{error.json_path}: {error.message[:300]}")
    for i, entry in enumerate(resource.get("entry", []) if resource["resourceType"] == "Bundle" else []):
        if "resource" in entry:  # checked on its own for a precise message (the Bundle's oneOf is vague)
            problems += [f"$.entry[{i}].resource{p[1:]}" for p in schema_errors(entry["resource"])]
    return problems


def check_r4(body: dict[str, Any]) -> dict[str, Any]:
    """Return `body` after checking it with fhirclient's strict R4 models and the official R4 JSON schema."""
    FHIRElementFactory.instantiate(body["resourceType"], body)  # raises FHIRValidationError
    problems = schema_errors(body)
    assert not problems, "not valid R4:\n" + "\n".join(problems)
    return body


def parse(response: Any) -> dict[str, Any]:
    """Return the JSON body after checking its content type and that it is valid R4 (`check_r4`)."""
    assert response.content, "empty body"
    assert response["Content-Type"].startswith("application/fhir+json"), response["Content-Type"]
    return check_r4(json.loads(response.content))


@pytest.fixture
def boston(db: Any) -> PracticeLocation:
    return save_location(
        actor=Actor.system("tests"),
        location=PracticeLocation(
            full_name="Harbor Clinic",
            short_name="Boston",
            time_zone="America/New_York",
            address_line1="1 Harbor St",
            city="Boston",
            state_code="MA",
            postal_code="02110",
            phone="6175550100",
        ),
    )


@pytest.fixture
def denver(db: Any) -> PracticeLocation:
    return save_location(
        actor=Actor.system("tests"),
        location=PracticeLocation(full_name="Mile High Clinic", time_zone="America/Denver"),
    )


@pytest.fixture
def dr_patel(db: Any) -> Staff:
    user = CanvasUser.objects.create_user(email="maya.patel@example.com", password="x-long-password-1", is_staff=True)
    staff = save_staff(
        actor=Actor.system("tests"),
        staff=Staff(
            first_name="Maya", last_name="Patel", prefix="Dr.", is_schedulable=True, npi_number="1234567893", user=user
        ),
    )
    StaffRole.objects.create(staff=staff, role_type=StaffRole.RoleType.CLINICAL, code="MD", name="Physician")
    return staff


@pytest.fixture
def nurse_lee(db: Any) -> Staff:
    return save_staff(
        actor=Actor.system("tests"),
        staff=Staff(first_name="Sam", last_name="Lee", is_schedulable=True),
    )


@pytest.fixture
def clerk_ortiz(db: Any) -> Staff:
    """Front-desk staff: not schedulable."""
    return save_staff(actor=Actor.system("tests"), staff=Staff(first_name="Ana", last_name="Ortiz"))


@pytest.fixture
def oauth_client(db: Any) -> NewClient:
    return services.create_oauth_client(actor=Actor.system("tests"), name="Acme scheduling")


def token_for(client: Client, new: NewClient, scope: str = "") -> str:
    data = {"grant_type": "client_credentials", "client_id": new.client.client_id, "client_secret": new.secret}
    if scope:
        data["scope"] = scope
    response = client.post("/auth/token/", data)
    assert response.status_code == 200, response.content
    return str(response.json()["access_token"])


def api_client(new: NewClient, scope: str = "") -> Client:
    """A test client whose every request carries a token issued to `new` with `scope`."""
    return Client(headers={"Authorization": f"Bearer {token_for(Client(), new, scope)}"})


@pytest.fixture
def api(oauth_client: NewClient) -> Client:
    return api_client(oauth_client)


@pytest.fixture
def office_visit(db: Any) -> NoteType:
    return save_note_type(
        actor=Actor.system("tests"),
        note_type=NoteType(
            name="Office Visit",
            code="185389009",
            display="Follow-up visit",
            is_scheduleable=True,
            is_default_appointment_type=True,
            online_duration=30,
        ),
    )


@pytest.fixture
def alice(db: Any) -> Patient:
    return create_patient(
        actor=Actor.system("tests"), first_name="Alice", last_name="Adams", birth_date=date(1990, 5, 1)
    )


@pytest.fixture
def charlie(db: Any) -> Patient:
    return create_patient(
        actor=Actor.system("tests"), first_name="Charlie", last_name="Chen", birth_date=date(1985, 2, 3)
    )


@pytest.fixture
def patel_in_boston(dr_patel: Staff, boston: PracticeLocation, office_visit: NoteType) -> Availability:
    """Dr. Patel sees patients in Boston on weekdays, 9:00 to 17:00 local time."""
    dr_patel.practice_locations.add(boston)
    return save_availability(
        actor=Actor.system("tests"),
        availability=Availability(
            provider=dr_patel,
            location=boston,
            weekdays=[0, 1, 2, 3, 4],
            start_date=date(2026, 1, 1),
            start_time=time(9),
            end_time=time(17),
        ),
    )
