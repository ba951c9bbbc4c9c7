"""MedicationStatement: read and search (reference §1.7) over the chart's committed medications;
rows entered in error or deleted are not served. The id is the medication's UUID.

status is `active` for an active medication and `completed` otherwise; reads always carry
medicationCodeableConcept (as Canvas's do), dosage[0].text is the sig.
"""

from __future__ import annotations

from django.db.models import QuerySet

from frontdesk.clinic.models import Medication
from frontdesk.fhir.resources import Json, ResourceType, SearchResult
from frontdesk.fhir.resources.chart import audit_by_subject, codeable_concept, patient_reference
from frontdesk.fhir.search import Page, SearchParam, page_of, reference_ids, split_or, uuids

TO_FHIR = {Medication.Status.ACTIVE: "active", Medication.Status.INACTIVE: "completed"}


def serialize(medication: Medication) -> Json:
    """Return the MedicationStatement (patient loaded, codings prefetched)."""
    resource: Json = {
        "resourceType": "MedicationStatement",
        "id": str(medication.id),
        "status": TO_FHIR[Medication.Status(medication.status)],
        # medication[x] is required: a medication without codings still has its statement.
        "medicationCodeableConcept": codeable_concept(medication) or {"text": "Unspecified medication"},
        "subject": patient_reference(medication.patient.id),
    }
    period: Json = {}
    if medication.start_date is not None:
        period["start"] = medication.start_date.isoformat()
    if medication.end_date is not None:
        period["end"] = medication.end_date.isoformat()
    if period:
        resource["effectivePeriod"] = period
    if medication.sig:
        resource["dosage"] = [{"text": medication.sig}]
    return resource


def _medications() -> QuerySet[Medication]:
    return (
        Medication.objects.committed()
        .select_related("patient")
        .prefetch_related("codings")
        .order_by("patient__dbid", "start_date", "dbid")
    )


def read(resource_id: str) -> Json | None:
    medication = _medications().filter(id__in=uuids([resource_id])).first()
    return serialize(medication) if medication is not None else None


def search(params: dict[str, list[str]], page: Page) -> SearchResult:
    medications = _medications()
    for ids in split_or(params.get("_id", [])):
        medications = medications.filter(id__in=uuids(ids))
    for values in split_or(params.get("patient", [])):
        medications = medications.filter(patient__id__in=reference_ids("patient", "Patient", values))
    total, rows = page_of(medications, page)
    return SearchResult(total=total, resources=[serialize(m) for m in rows])


RESOURCE = ResourceType(
    name="MedicationStatement",
    interactions=("read", "search-type"),
    search_params=(
        SearchParam("_id", "token", "The medication statement's id; commas give alternatives."),
        SearchParam("patient", "reference", "Patient/<id> (or the bare id)."),
    ),
    read=read,
    search=search,
    audit=audit_by_subject("subject", "fhir MedicationStatement"),
)
