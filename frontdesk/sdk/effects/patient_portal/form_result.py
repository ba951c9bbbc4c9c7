"""`FormResult`: a questionnaire the portal should present to the patient (PATIENT_PORTAL__FORM_RESULT).

Answers PATIENT_PORTAL__GET_FORMS. Payload
`{"data": {"questionnaire_id": "<id>", "create_command": bool, "note_id": "<id>" | null}}`.
"""

from __future__ import annotations

from uuid import UUID

from frontdesk.sdk.effects.base import _BaseEffect
from frontdesk.sdk.effects.effect_type import EffectType


class FormResult(_BaseEffect):
    """One form for the patient; ids may be strings or UUIDs and are sent as strings."""

    class Meta:
        effect_type = EffectType.PATIENT_PORTAL__FORM_RESULT
        apply_required_fields = ("questionnaire_id",)

    questionnaire_id: str | UUID | None = None
    create_command: bool = False
    note_id: str | UUID | None = None
