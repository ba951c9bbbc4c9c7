"""`canvas_sdk.v1.data.patient`: Patient, PatientContactPoint (`patient.telecom`) and their enums."""

from frontdesk.clinic.models import (
    ContactPointState,
    ContactPointSystem,
    ContactPointUse,
    Patient,
    PatientContactPoint,
)
from frontdesk.clinic.models import Sex as SexAtBirth

__all__ = [
    "ContactPointState",
    "ContactPointSystem",
    "ContactPointUse",
    "Patient",
    "PatientContactPoint",
    "SexAtBirth",
]
