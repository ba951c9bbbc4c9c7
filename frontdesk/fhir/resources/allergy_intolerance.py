"""AllergyIntolerance: read and search (reference §1.7) over the chart's committed allergies; rows
entered in error or deleted are not served. The id is the allergy's UUID.

clinicalStatus is active or inactive; the reaction narrative and severity are reaction[0].
"""

from __future__ import annotations

from django.db.models import QuerySet

from frontdesk.clinic.models import AllergyIntolerance
from frontdesk.fhir.resources import Json, ResourceType, SearchResult
from frontdesk.fhir.resources.chart import audit_by_subject, codeable_concept, patient_reference, status_concept
from frontdesk.fhir.search import Page, SearchParam, page_of, reference_ids, split_or, uuids

CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"


def serialize(allergy: AllergyIntolerance) -> Json:
    """Return the AllergyIntolerance (patient loaded, codings prefetched)."""
    resource: Json = {
        "resourceType": "AllergyIntolerance",
        "id": str(allergy.id),
        "clinicalStatus": status_concept(CLINICAL, str(allergy.status)),
        "verificationStatus": status_concept(VERIFICATION, "confirmed"),
    }
    code = codeable_concept(allergy)
    if code is not None:
        resource["code"] = code
    resource["patient"] = patient_reference(allergy.patient.id)
    if allergy.onset_date is not None:
        resource["onsetDateTime"] = allergy.onset_date.isoformat()
    if allergy.recorded_date is not None:
        resource["recordedDate"] = allergy.recorded_date.isoformat()
    if allergy.narrative or allergy.severity:
        # manifestation is required in a reaction: a severity alone still has one.
        reaction: Json = {"manifestation": [{"text": allergy.narrative or "Unspecified reaction"}]}
        if allergy.severity:
            reaction["severity"] = allergy.severity
        resource["reaction"] = [reaction]
    return resource


def _allergies() -> QuerySet[AllergyIntolerance]:
    return (
        AllergyIntolerance.objects.committed()
        .select_related("patient")
        .prefetch_related("codings")
        .order_by("patient__dbid", "onset_date", "dbid")
    )


def read(resource_id: str) -> Json | None:
    allergy = _allergies().filter(id__in=uuids([resource_id])).first()
    return serialize(allergy) if allergy is not None else None


def search(params: dict[str, list[str]], page: Page) -> SearchResult:
    allergies = _allergies()
    for ids in split_or(params.get("_id", [])):
        allergies = allergies.filter(id__in=uuids(ids))
    for values in split_or(params.get("patient", [])):
        allergies = allergies.filter(patient__id__in=reference_ids("patient", "Patient", values))
    total, rows = page_of(allergies, page)
    return SearchResult(total=total, resources=[serialize(a) for a in rows])


RESOURCE = ResourceType(
    name="AllergyIntolerance",
    interactions=("read", "search-type"),
    search_params=(
        SearchParam("_id", "token", "The allergy's id; commas give alternatives."),
        SearchParam("patient", "reference", "Patient/<id> (or the bare id)."),
    ),
    read=read,
    search=search,
    audit=audit_by_subject("patient", "fhir AllergyIntolerance"),
)
