"""What the chart resource types (Patient, Condition, MedicationStatement, AllergyIntolerance)
share: codings as CodeableConcepts, the patient reference, and the audit of who viewed which chart.

Not a served type itself (it is not in `MODULES`).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Model

from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Coding
from frontdesk.clinic.services import record_chart_views
from frontdesk.fhir.resources import Json


def codings(item: Model) -> list[Coding]:
    """The item's codings in the order they were written (read from `prefetch_related("codings")`)."""
    return sorted(item.codings.all(), key=lambda c: c.dbid)  # type: ignore[attr-defined]


def codeable_concept(item: Model) -> Json | None:
    """Return the item's codings as a CodeableConcept (text = the first display), or None without codings."""
    found = codings(item)
    if not found:
        return None
    return {
        "coding": [{"system": c.system, "code": c.code, "display": c.display} for c in found],
        "text": found[0].display,
    }


def status_concept(system: str, code: str) -> Json:
    return {"coding": [{"system": system, "code": code}]}


def patient_reference(patient_key: str) -> Json:
    return {"reference": f"Patient/{patient_key}", "type": "Patient"}


def audit_by_subject(element: str, what: str) -> Callable[[Actor, list[Json]], None]:
    """Return an audit hook recording a view of the chart each resource's `element` references."""

    def audit(actor: Actor, resources: list[Json]) -> None:
        keys = (r[element]["reference"].partition("/")[2] for r in resources)
        record_chart_views(actor=actor, patient_keys=keys, what=what)

    return audit
