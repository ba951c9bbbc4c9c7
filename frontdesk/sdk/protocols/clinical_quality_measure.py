"""`ClinicalQualityMeasure` (`canvas_sdk.protocols.clinical_quality_measure`).

Only the class, so that handlers declared as measures load and run as plain protocols;
Canvas's measure helpers (timeframes, protocol cards, patient filters) are not provided.
"""

from __future__ import annotations

from abc import ABC

from frontdesk.sdk.protocols.base import BaseProtocol


class ClinicalQualityMeasure(BaseProtocol, ABC):
    """A protocol that Canvas reports as a quality measure; here a plain BaseProtocol."""
