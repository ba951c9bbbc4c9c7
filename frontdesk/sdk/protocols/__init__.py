"""`canvas_sdk.protocols`: `BaseProtocol` and `ClinicalQualityMeasure`."""

from frontdesk.sdk.protocols.base import BaseProtocol
from frontdesk.sdk.protocols.clinical_quality_measure import ClinicalQualityMeasure

__all__ = ["BaseProtocol", "ClinicalQualityMeasure"]
