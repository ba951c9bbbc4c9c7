"""Condition: read and search (reference §1.7) over the chart's committed conditions; rows entered
in error or deleted are not served. The id is the condition's UUID.

clinicalStatus maps directly (active, relapse, remission, resolved); Canvas's `investigative` has no
R4 clinical status and is served as active with verificationStatus `provisional`.
"""

from __future__ import annotations

from django.db.models import QuerySet

from frontdesk.clinic.models import Condition
from frontdesk.fhir.resources import Json, ResourceType, SearchResult
from frontdesk.fhir.resources.chart import audit_by_subject, codeable_concept, patient_reference, status_concept
from frontdesk.fhir.search import Page, SearchError, SearchParam, page_of, reference_ids, split_or, uuids

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
S = Condition.ClinicalStatus
TO_FHIR = {S.ACTIVE: "active", S.RELAPSE: "relapse", S.REMISSION: "remission", S.RESOLVED: "resolved"}


def serialize(condition: Condition) -> Json:
    """Return the Condition (patient loaded, codings prefetched)."""
    status = S(condition.clinical_status)
    resource: Json = {
        "resourceType": "Condition",
        "id": str(condition.id),
        "clinicalStatus": status_concept(CLINICAL, TO_FHIR.get(status, "active")),
        "verificationStatus": status_concept(VERIFICATION, "provisional" if status == S.INVESTIGATIVE else "confirmed"),
        "category": [status_concept(CATEGORY, "encounter-diagnosis")],
    }
    code = codeable_concept(condition)
    if code is not None:
        resource["code"] = code
    resource["subject"] = patient_reference(condition.patient.id)
    if condition.onset_date is not None:
        resource["onsetDateTime"] = condition.onset_date.isoformat()
    if condition.resolution_date is not None:
        resource["abatementDateTime"] = condition.resolution_date.isoformat()
    if condition.notes:
        resource["note"] = [{"text": condition.notes}]
    return resource


def _conditions() -> QuerySet[Condition]:
    return (
        Condition.objects.committed()
        .select_related("patient")
        .prefetch_related("codings")
        .order_by("patient__dbid", "onset_date", "dbid")
    )


def read(resource_id: str) -> Json | None:
    condition = _conditions().filter(id__in=uuids([resource_id])).first()
    return serialize(condition) if condition is not None else None


def search(params: dict[str, list[str]], page: Page) -> SearchResult:
    conditions = _conditions()
    for ids in split_or(params.get("_id", [])):
        conditions = conditions.filter(id__in=uuids(ids))
    for values in split_or(params.get("patient", [])):
        conditions = conditions.filter(patient__id__in=reference_ids("patient", "Patient", values))
    for values in split_or(params.get("clinical-status", [])):
        unknown = [v for v in values if v not in TO_FHIR.values()]
        if unknown:
            raise SearchError(f"clinical-status '{unknown[0]}' is not one of {', '.join(TO_FHIR.values())}")
        wanted = [canvas for canvas, fhir in TO_FHIR.items() if fhir in values]
        if "active" in values:
            wanted.append(S.INVESTIGATIVE)
        conditions = conditions.filter(clinical_status__in=wanted)
    total, rows = page_of(conditions, page)
    return SearchResult(total=total, resources=[serialize(c) for c in rows])


RESOURCE = ResourceType(
    name="Condition",
    interactions=("read", "search-type"),
    search_params=(
        SearchParam("_id", "token", "The condition's id; commas give alternatives."),
        SearchParam("patient", "reference", "Patient/<id> (or the bare id)."),
        SearchParam("clinical-status", "token", "active | relapse | remission | resolved"),
    ),
    read=read,
    search=search,
    audit=audit_by_subject("subject", "fhir Condition"),
)
