"""Condition, MedicationStatement and AllergyIntolerance read and search (reference §1.7): committed
rows only (never entered-in-error), codings as code.coding, the R4 status value sets, the `patient`
and `_id` filters, the read scope, and one audit entry per patient whose chart was returned."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.test import Client

from frontdesk.accounts.models import CanvasUser
from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import AllergyIntolerance, Condition, Medication, Patient
from frontdesk.clinic.services import ChartItem, enter_chart_item_in_error, save_chart_item, set_codings
from frontdesk.fhir.services import NewClient
from frontdesk.fhir.tests.conftest import api_client, parse

SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
TYPES = ("Condition", "MedicationStatement", "AllergyIntolerance")


def ids(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def views(patient: Patient, what: str) -> int:
    return AuditEntry.objects.filter(action="chart.viewed", patient_key=patient.id, detail__what=what).count()


@pytest.fixture
def dana(db: Any) -> Actor:
    """Staff who commits chart items."""
    return Actor.for_user(CanvasUser.objects.create_user(email="dana@example.com", password="x-long-password-1"))


def chart_item(actor: Actor, item: ChartItem, *codings: tuple[str, str, str]) -> ChartItem:
    item = save_chart_item(actor=actor, item=item)
    set_codings(actor=actor, item=item, codings=list(codings))
    return item


@pytest.fixture
def chart(dana: Actor, alice: Patient, charlie: Patient) -> dict[str, Any]:
    """For each type: Alice's two committed items, one entered in error, one uncommitted; one of Charlie's."""
    items: dict[str, Any] = {}
    items["Condition"] = [
        chart_item(
            dana,
            Condition(patient=alice, clinical_status="resolved", onset_date=date(2020, 1, 2), notes="Mild"),
            (SNOMED, "38341003", "Hypertension"),
            ("http://hl7.org/fhir/sid/icd-10-cm", "I10", "Essential hypertension"),
        ),
        chart_item(dana, Condition(patient=alice, clinical_status="investigative", onset_date=date(2021, 3, 4))),
        chart_item(dana, Condition(patient=alice), (SNOMED, "1", "Wrong")),
        chart_item(dana, Condition(patient=charlie), (SNOMED, "44054006", "Diabetes")),
    ]
    items["MedicationStatement"] = [
        chart_item(
            dana,
            Medication(patient=alice, sig="1 tablet by mouth daily", start_date=datetime(2024, 1, 5, tzinfo=UTC)),
            (RXNORM, "197361", "Amlodipine 5 MG Oral Tablet"),
        ),
        chart_item(dana, Medication(patient=alice, status="inactive", start_date=datetime(2025, 1, 5, tzinfo=UTC))),
        chart_item(dana, Medication(patient=alice), (RXNORM, "1", "Wrong")),
        chart_item(dana, Medication(patient=charlie), (RXNORM, "860975", "Metformin")),
    ]
    items["AllergyIntolerance"] = [
        chart_item(
            dana,
            AllergyIntolerance(patient=alice, severity="severe", narrative="hives", onset_date=date(2010, 6, 7)),
            (RXNORM, "7980", "Penicillin G"),
        ),
        chart_item(dana, AllergyIntolerance(patient=alice, status="inactive", onset_date=date(2011, 1, 1))),
        chart_item(dana, AllergyIntolerance(patient=alice), (RXNORM, "1", "Wrong")),
        chart_item(dana, AllergyIntolerance(patient=charlie), (RXNORM, "2670", "Codeine")),
    ]
    for kind in TYPES:
        enter_chart_item_in_error(actor=dana, item=items[kind][2])
    items["uncommitted"] = save_chart_item(actor=Actor.system("tests"), item=Condition(patient=alice))
    return items


def test_it_reads_a_condition(api: Client, chart: dict[str, Any], alice: Patient) -> None:
    condition = chart["Condition"][0]

    body = parse(api.get(f"/fhir/Condition/{condition.id}"))

    assert body["id"] == str(condition.id)
    assert body["clinicalStatus"]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
        "code": "resolved",
    }
    assert body["verificationStatus"]["coding"][0]["code"] == "confirmed"
    assert body["code"]["coding"] == [
        {"system": SNOMED, "code": "38341003", "display": "Hypertension"},
        {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "I10", "display": "Essential hypertension"},
    ]
    assert body["subject"] == {"reference": f"Patient/{alice.id}", "type": "Patient"}
    assert body["onsetDateTime"] == "2020-01-02"
    assert body["note"] == [{"text": "Mild"}]
    assert views(alice, "fhir Condition") == 1


def test_it_serves_an_investigative_condition_as_provisional(api: Client, chart: dict[str, Any]) -> None:
    body = parse(api.get(f"/fhir/Condition/{chart['Condition'][1].id}"))

    assert body["clinicalStatus"]["coding"][0]["code"] == "active"
    assert body["verificationStatus"]["coding"][0]["code"] == "provisional"
    assert "code" not in body


def test_it_reads_a_medication_statement(api: Client, chart: dict[str, Any], alice: Patient) -> None:
    active, inactive = chart["MedicationStatement"][:2]

    body = parse(api.get(f"/fhir/MedicationStatement/{active.id}"))
    other = parse(api.get(f"/fhir/MedicationStatement/{inactive.id}"))

    assert body["status"] == "active"
    assert body["medicationCodeableConcept"] == {
        "coding": [{"system": RXNORM, "code": "197361", "display": "Amlodipine 5 MG Oral Tablet"}],
        "text": "Amlodipine 5 MG Oral Tablet",
    }
    assert body["dosage"] == [{"text": "1 tablet by mouth daily"}]
    assert body["effectivePeriod"] == {"start": "2024-01-05T00:00:00+00:00"}
    assert body["subject"]["reference"] == f"Patient/{alice.id}"
    assert other["status"] == "completed"
    assert "dosage" not in other
    assert views(alice, "fhir MedicationStatement") == 2


def test_it_reads_an_allergy(api: Client, chart: dict[str, Any], alice: Patient) -> None:
    active, inactive = chart["AllergyIntolerance"][:2]

    body = parse(api.get(f"/fhir/AllergyIntolerance/{active.id}"))
    other = parse(api.get(f"/fhir/AllergyIntolerance/{inactive.id}"))

    assert body["clinicalStatus"]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
        "code": "active",
    }
    assert body["verificationStatus"]["coding"][0]["code"] == "confirmed"
    assert body["code"]["coding"][0]["code"] == "7980"
    assert body["patient"]["reference"] == f"Patient/{alice.id}"
    assert body["onsetDateTime"] == "2010-06-07"
    assert body["reaction"] == [{"manifestation": [{"text": "hives"}], "severity": "severe"}]
    assert other["clinicalStatus"]["coding"][0]["code"] == "inactive"
    assert "reaction" not in other
    assert views(alice, "fhir AllergyIntolerance") == 2


@pytest.mark.parametrize("kind", TYPES)
def test_it_answers_404_for_entered_in_error_uncommitted_and_unknown_ids(
    api: Client, chart: dict[str, Any], alice: Patient, kind: str
) -> None:
    for key in (chart[kind][2].id, chart["uncommitted"].id, "00000000-0000-0000-0000-000000000000", "nope"):
        response = api.get(f"/fhir/{kind}/{key}")
        assert response.status_code == 404, key
        assert parse(response)["issue"][0]["details"]["text"] == f"Unknown {kind} resource '{key}'"
    assert not AuditEntry.objects.filter(action="chart.viewed").exists()


@pytest.mark.parametrize("kind", TYPES)
def test_it_searches_a_patients_committed_items(
    api: Client, chart: dict[str, Any], alice: Patient, charlie: Patient, kind: str, django_assert_max_num_queries: Any
) -> None:
    # token, count, page, codings, the audit: the patient and one entry
    with django_assert_max_num_queries(6):
        response = api.get(f"/fhir/{kind}?patient=Patient/{alice.id}")

    bundle = parse(response)
    assert bundle["total"] == 2
    assert sorted(ids(bundle)) == sorted(str(item.id) for item in chart[kind][:2])
    assert bundle["entry"][0]["fullUrl"].startswith(f"http://testserver/fhir/{kind}/")
    assert (views(alice, f"fhir {kind}"), views(charlie, f"fhir {kind}")) == (1, 0)


@pytest.mark.parametrize("kind", TYPES)
def test_it_searches_every_patient_and_by_id(
    api: Client, chart: dict[str, Any], alice: Patient, charlie: Patient, kind: str
) -> None:
    everything = parse(api.get(f"/fhir/{kind}"))
    by_id = parse(api.get(f"/fhir/{kind}?_id={chart[kind][3].id},{chart[kind][2].id},junk"))
    by_bare_patient = parse(api.get(f"/fhir/{kind}?patient={charlie.id}"))

    assert everything["total"] == 3
    assert ids(by_id) == ids(by_bare_patient) == [str(chart[kind][3].id)]
    assert (views(alice, f"fhir {kind}"), views(charlie, f"fhir {kind}")) == (1, 3)


@pytest.mark.parametrize("kind", TYPES)
def test_it_answers_400_for_a_reference_to_another_type(api: Client, db: Any, kind: str) -> None:
    response = api.get(f"/fhir/{kind}?patient=Practitioner/abc")

    assert response.status_code == 400
    assert "patient" in parse(response)["issue"][0]["diagnostics"]


def test_it_filters_conditions_by_clinical_status(api: Client, chart: dict[str, Any], alice: Patient) -> None:
    assert ids(parse(api.get("/fhir/Condition?clinical-status=resolved"))) == [str(chart["Condition"][0].id)]
    assert api.get("/fhir/Condition?clinical-status=investigative").status_code == 400


@pytest.mark.parametrize("kind", TYPES)
@pytest.mark.parametrize("path", ["/fhir/{kind}/{id}", "/fhir/{kind}"])
def test_it_refuses_a_token_without_the_types_read_scope(
    oauth_client: NewClient, chart: dict[str, Any], alice: Patient, kind: str, path: str
) -> None:
    api = api_client(oauth_client, "system/Patient.read system/Appointment.*")

    response = api.get(path.format(kind=kind, id=chart[kind][0].id))

    assert response.status_code == 403
    assert parse(response)["issue"][0]["code"] == "forbidden"
    assert not AuditEntry.objects.filter(action="chart.viewed").exists()


@pytest.mark.parametrize("kind", TYPES)
def test_it_allows_the_types_read_scope(oauth_client: NewClient, chart: dict[str, Any], kind: str) -> None:
    api = api_client(oauth_client, f"system/{kind}.read")

    assert api.get(f"/fhir/{kind}/{chart[kind][0].id}").status_code == 200
    assert api.get(f"/fhir/{kind}").status_code == 200
