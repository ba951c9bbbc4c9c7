"""`canvas_sdk.v1.data.medication`: Medication, its codings and Status."""

from frontdesk.clinic.models import Medication, MedicationCoding

Status = Medication.Status

__all__ = ["Medication", "MedicationCoding", "Status"]
