"""`canvas_sdk.v1.data.allergy_intolerance`: AllergyIntolerance and its codings."""

from frontdesk.clinic.models import AllergyIntolerance, AllergyIntoleranceCoding

__all__ = ["AllergyIntolerance", "AllergyIntoleranceCoding"]
