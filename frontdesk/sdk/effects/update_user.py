"""`UpdateUserEffect`: change a user's login email or phone number (UPDATE_USER).

Only the fields the plugin set are sent ("dirty keys"), plus `dbid` repeating `user_dbid` as
Canvas does: `{"data": {"email": "a@b.c", "user_dbid": 42, "dbid": 42}}`.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import model_validator
from pydantic_core import InitErrorDetails

from frontdesk.sdk.effects.base import _BaseEffect, construction_error
from frontdesk.sdk.effects.effect_type import EffectType
from frontdesk.sdk.effects.send_invite import user_exists


class UpdateUserEffect(_BaseEffect):
    """Update CanvasUser `user_dbid`; at least one of `email`, `phone_number` must be given.

    The payload's duplicate `dbid` is a Canvas quirk (reference §7.9), kept on purpose: the
    host may read either key, and plugins' tests compare whole payloads.
    """

    class Meta:
        effect_type = EffectType.UPDATE_USER
        apply_required_fields = ("user_dbid",)

    user_dbid: int | None = None
    email: str | None = None
    phone_number: str | None = None

    @model_validator(mode="after")
    def _something_to_update(self) -> Self:
        if self.email is None and self.phone_number is None:
            raise construction_error("one of 'email', 'phone_number' is required")
        return self

    @property
    def values(self) -> dict[str, Any]:
        dirty = self.model_fields_set - {"patient_filter"}
        data = self.model_dump(mode="json", include=dirty)
        data["dbid"] = self.user_dbid
        return data

    def _get_error_details(self, method: Any) -> list[InitErrorDetails]:
        errors = super()._get_error_details(method)
        if self.user_dbid is not None and not user_exists(self.user_dbid):
            errors.append(self._create_error_detail("value", "User does not exist", self.user_dbid, "user_dbid"))
        return errors
