"""Patient data for patient-facing code. Every function is scoped to one patient and raises
Http404 (never 403) for anything else, so nobody can probe which ids exist."""

from __future__ import annotations

import uuid

from django.http import Http404

from frontdesk.clinic.models import (
    AllergyIntolerance,
    CareTeamMembership,
    Condition,
    ContactPointState,
    Medication,
    Patient,
    PatientContactPoint,
)


def contact_points(patient: Patient) -> list[PatientContactPoint]:
    """The patient's active contact points, by system and rank."""
    return list(patient.telecom.filter(state=ContactPointState.ACTIVE).order_by("system", "rank"))


def contact_point(patient: Patient, contact_point_id: str) -> PatientContactPoint:
    """Return the patient's own active contact point. Raises Http404 for any other id."""
    try:
        key = uuid.UUID(str(contact_point_id))
    except ValueError:
        raise Http404("No such contact point.") from None
    found = (
        PatientContactPoint.objects.select_related("patient")
        .filter(id=key, patient=patient, state=ContactPointState.ACTIVE)
        .first()
    )
    if found is None:
        raise Http404("No such contact point.")
    return found


def chart_summary(patient: Patient) -> dict[str, list]:
    """What My Health shows, as Canvas's default chart view filters it.

    Conditions with show_in_summary (active and past history), active medications and active
    allergies, each committed and not entered in error.
    """
    return {
        "conditions": list(
            Condition.objects.in_summary()
            .filter(patient=patient)
            .select_related("last_assessed_by")
            .prefetch_related("codings", "last_assessed_by__roles")
        ),
        "medications": list(
            Medication.objects.active()
            .filter(patient=patient)
            .select_related("last_prescriber")
            .prefetch_related("codings", "last_prescriber__roles")
        ),
        "allergies": list(AllergyIntolerance.objects.active().filter(patient=patient).prefetch_related("codings")),
    }


def care_team(patient: Patient) -> list[CareTeamMembership]:
    return list(
        patient.care_team_memberships.filter(status="active").select_related("staff").prefetch_related("staff__roles")
    )
