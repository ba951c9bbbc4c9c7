"""`SendInviteEffect`: send a portal invitation to a user (PATIENT_PORTAL__SEND_INVITE).

Payload `{"data": {"user_dbid": <int>}}`; `apply()` fails with "User does not exist" when no
CanvasUser has that dbid.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import InitErrorDetails

from frontdesk.sdk.effects.base import _BaseEffect
from frontdesk.sdk.effects.effect_type import EffectType


class SendInviteEffect(_BaseEffect):
    """Invite the CanvasUser `user_dbid` (an int, e.g. `patient.user.dbid`) to the portal."""

    class Meta:
        effect_type = EffectType.PATIENT_PORTAL__SEND_INVITE
        apply_required_fields = ("user_dbid",)

    user_dbid: int | None = None

    def _get_error_details(self, method: Any) -> list[InitErrorDetails]:
        errors = super()._get_error_details(method)
        if self.user_dbid is not None and not user_exists(self.user_dbid):
            errors.append(self._create_error_detail("value", "User does not exist", self.user_dbid, "user_dbid"))
        return errors


def user_exists(dbid: int) -> bool:
    """Return whether a CanvasUser has this dbid."""
    from frontdesk.sdk.v1.data.user import CanvasUser

    return CanvasUser.objects.filter(dbid=dbid).exists()
