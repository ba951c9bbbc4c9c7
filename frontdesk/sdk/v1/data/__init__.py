"""`canvas_sdk.v1.data`: the Canvas data models frontdesk has, under their Canvas names.

They are frontdesk's own models (which use Canvas's names and fields); plugins read them and
change data only through effects. Canvas models frontdesk does not have are deliberately
absent, so the sandbox reports their imports as not provided. `MODELS_BY_NAME` maps a Canvas
model name (an event's `target_type`) to the model.
"""

from django.db.models import Model

from frontdesk.sdk.v1.data.allergy_intolerance import AllergyIntolerance, AllergyIntoleranceCoding
from frontdesk.sdk.v1.data.appointment import Appointment
from frontdesk.sdk.v1.data.care_team import CareTeamMembership
from frontdesk.sdk.v1.data.condition import Condition, ConditionCoding
from frontdesk.sdk.v1.data.medication import Medication, MedicationCoding
from frontdesk.sdk.v1.data.note import NoteType
from frontdesk.sdk.v1.data.patient import Patient, PatientContactPoint
from frontdesk.sdk.v1.data.practicelocation import PracticeLocation
from frontdesk.sdk.v1.data.staff import Staff, StaffRole
from frontdesk.sdk.v1.data.user import CanvasUser

__all__ = [
    "AllergyIntolerance",
    "AllergyIntoleranceCoding",
    "Appointment",
    "CanvasUser",
    "CareTeamMembership",
    "Condition",
    "ConditionCoding",
    "Medication",
    "MedicationCoding",
    "NoteType",
    "Patient",
    "PatientContactPoint",
    "PracticeLocation",
    "Staff",
    "StaffRole",
]

#: Canvas model name -> frontdesk model, for `Event.target.type`.
MODELS_BY_NAME: dict[str, type[Model]] = {
    "AllergyIntolerance": AllergyIntolerance,
    "AllergyIntoleranceCoding": AllergyIntoleranceCoding,
    "Appointment": Appointment,
    "CanvasUser": CanvasUser,
    "CareTeamMembership": CareTeamMembership,
    "Condition": Condition,
    "ConditionCoding": ConditionCoding,
    "Medication": Medication,
    "MedicationCoding": MedicationCoding,
    "NoteType": NoteType,
    "Patient": Patient,
    "PatientContactPoint": PatientContactPoint,
    "PracticeLocation": PracticeLocation,
    "Staff": Staff,
    "StaffRole": StaffRole,
}
