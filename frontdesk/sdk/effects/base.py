"""`_BaseEffect`: the pydantic machinery every SDK effect class shares (`canvas_sdk.effects.base`).

Effects are strict pydantic v2 models, re-validated on assignment. `apply()` re-validates the
model, checks the fields `Meta.apply_required_fields` names, adds the class's own checks
(`_get_error_details`, e.g. "User does not exist") and raises one `pydantic_core.ValidationError`
listing every problem; otherwise it returns an `Effect` of `Meta.effect_type` whose payload is
`{"data": <values>}`.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from frontdesk.sdk.effects.effect import Effect
from frontdesk.sdk.effects.effect_type import EffectType


class _BaseEffect(BaseModel):
    """Base of the SDK's effect classes; subclasses set `Meta` and usually `values`."""

    model_config = ConfigDict(strict=True, validate_assignment=True, revalidate_instances="always")

    class Meta:
        effect_type: ClassVar[int] = 0
        apply_required_fields: ClassVar[tuple[str, ...]] = ()

    patient_filter: dict[str, Any] | None = None

    @property
    def values(self) -> dict[str, Any]:
        """Return the payload's `data`: the declared fields (but `patient_filter`) as JSON values."""
        return self.model_dump(mode="json", exclude={"patient_filter"})

    @property
    def effect_payload(self) -> dict[str, Any]:
        """Return the whole payload: `{"data": self.values}` unless a class says otherwise."""
        return {"data": self.values}

    def apply(self) -> Effect:
        """Return the Effect for this model; raise pydantic_core.ValidationError if it is not valid."""
        self._validate_before_effect("apply")
        return Effect(type=getattr(self.Meta, "effect_type", 0), payload=json.dumps(self.effect_payload))

    def _get_error_details(self, method: Any) -> list[InitErrorDetails]:
        """Return the class's own problems (e.g. rows that do not exist); none by default."""
        return []

    def _create_error_detail(self, type: str, message: str, value: Any, field: str | None = None) -> InitErrorDetails:
        detail = InitErrorDetails(type=PydanticCustomError(type, message), input=value)
        if field is not None:
            detail["loc"] = (field,)
        return detail

    def _validate_before_effect(self, method: str) -> None:
        type(self).model_validate(self)
        name = type(self).__name__
        article = "an" if name[:1].lower() in "aeiou" else "a"
        errors = [
            self._create_error_detail(
                "missing", f"Field '{field}' is required to {method} {article} {name}", None, field
            )
            for field in getattr(self.Meta, "apply_required_fields", ())
            if getattr(self, field) is None
        ]
        errors.extend(self._get_error_details(method))
        if errors:
            raise ValidationError.from_exception_data(name, errors)


def construction_error(message: str) -> PydanticCustomError:
    """Return the error a model validator raises so that its message is exactly `message`.

    (A plain ValueError would be reported as "Value error, <message>".)
    """
    return PydanticCustomError("value_error", message)


__all__ = ["EffectType", "_BaseEffect"]
