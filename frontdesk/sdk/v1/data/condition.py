"""`canvas_sdk.v1.data.condition`: Condition, its codings and ClinicalStatus."""

from frontdesk.clinic.models import Condition, ConditionCoding

ClinicalStatus = Condition.ClinicalStatus

__all__ = ["ClinicalStatus", "Condition", "ConditionCoding"]
