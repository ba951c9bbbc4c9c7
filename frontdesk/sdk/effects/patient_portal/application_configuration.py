"""`PatientPortalApplicationConfiguration`: portal-wide switches (PATIENT_PORTAL__APPLICATION_CONFIGURATION).

Payload `{"data": {"can_schedule_appointments": ..., "default_homepage_application_identifier": ...}}`.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import InitErrorDetails

from frontdesk.sdk.effects.base import _BaseEffect
from frontdesk.sdk.effects.effect_type import EffectType


class PatientPortalApplicationConfiguration(_BaseEffect):
    """Whether patients may book or reschedule, and which portal application is the home page.

    frontdesk has no Application model yet, so a `default_homepage_application_identifier`
    always fails `apply()` with "Application with identifier X does not exist".
    """

    class Meta:
        effect_type = EffectType.PATIENT_PORTAL__APPLICATION_CONFIGURATION

    can_schedule_appointments: bool | None = None
    default_homepage_application_identifier: str | None = None

    def _get_error_details(self, method: Any) -> list[InitErrorDetails]:
        errors = super()._get_error_details(method)
        identifier = self.default_homepage_application_identifier
        if identifier is not None and not _application_exists(identifier):
            errors.append(
                self._create_error_detail(
                    "value",
                    f"Application with identifier {identifier} does not exist",
                    identifier,
                    "default_homepage_application_identifier",
                )
            )
        return errors


def _application_exists(identifier: str) -> bool:
    # No portal applications are registered in frontdesk yet; see the class docstring.
    return False
