"""`SendContactVerificationEffect`: send a verification code to a patient contact point.

PATIENT_PORTAL__SEND_CONTACT_VERIFICATION, payload `{"data": {"contact_point_id": "<uuid>"}}`.
Beware loops: applying it saves the contact point, which fires PATIENT_CONTACT_POINT_UPDATED.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import field_validator
from pydantic_core import InitErrorDetails

from frontdesk.sdk.effects.base import _BaseEffect
from frontdesk.sdk.effects.effect_type import EffectType
from frontdesk.sdk.events.base import TargetType


class SendContactVerificationEffect(_BaseEffect):
    """Verify the PatientContactPoint `contact_point_id`.

    Better than Canvas's (SDK 0.261.0), which rejects the documented `self.event.target`,
    crashes JSON-encoding a `uuid.UUID` and raises a Django error for a malformed id: this one
    accepts a str, a `uuid.UUID` or an event's `TargetType`, always sends the id as a string,
    and reports a malformed or unknown id as "Patient Contact Point does not exist".
    """

    class Meta:
        effect_type = EffectType.PATIENT_PORTAL__SEND_CONTACT_VERIFICATION
        apply_required_fields = ("contact_point_id",)

    contact_point_id: str | None = None

    @field_validator("contact_point_id", mode="before")
    @classmethod
    def _id_as_string(cls, value: Any) -> Any:
        if isinstance(value, TargetType):
            value = value.id
        if isinstance(value, uuid.UUID):
            return str(value)
        return value

    def _get_error_details(self, method: Any) -> list[InitErrorDetails]:
        errors = super()._get_error_details(method)
        if self.contact_point_id is not None and not _contact_point_exists(self.contact_point_id):
            errors.append(
                self._create_error_detail(
                    "value", "Patient Contact Point does not exist", self.contact_point_id, "contact_point_id"
                )
            )
        return errors


def _contact_point_exists(contact_point_id: str) -> bool:
    try:
        key = uuid.UUID(contact_point_id)
    except ValueError:
        return False
    from frontdesk.sdk.v1.data.patient import PatientContactPoint

    return PatientContactPoint.objects.filter(id=key).exists()
