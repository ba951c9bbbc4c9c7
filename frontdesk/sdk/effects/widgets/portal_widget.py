"""`PortalWidget`: one tile on the patient portal's landing page (PORTAL_WIDGET).

Exactly one of `url` (an iframe), `content` (HTML) or `component` (a built-in block) is set;
`size` sets the width on a 12-column grid, `priority` the order (lower first). Payload:
`{"data": {"url", "content", "component", "size", "priority"}}`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from pydantic import Field, model_validator
from pydantic_core import InitErrorDetails

from frontdesk.sdk.effects.base import _BaseEffect, construction_error
from frontdesk.sdk.effects.effect_type import EffectType


class PortalWidget(_BaseEffect):
    """A landing-page widget.

    Unlike Canvas's strict model, `size` and `component` also accept their string values
    ("compact", "appointments"), not only the enum members.
    """

    class Meta:
        effect_type = EffectType.PORTAL_WIDGET

    class Size(StrEnum):
        EXPANDED = "expanded"  # 12 columns
        MEDIUM = "medium"  # 8 columns
        COMPACT = "compact"  # 4 columns

    class Component(StrEnum):
        APPOINTMENTS = "appointments"
        MESSAGING = "messaging"

    url: str | None = None
    content: str | None = None
    component: Component | None = Field(default=None, strict=False)
    size: Size = Field(default=Size.EXPANDED, strict=False)
    priority: int = 100

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if self.content is not None and self.component is not None:
            raise construction_error("'content' and 'component' are mutually exclusive")
        if self.content is not None and self.url is not None:
            raise construction_error("'content' and 'url' are mutually exclusive")
        if self.url is not None and self.component is not None:
            raise construction_error("'url' and 'component' are mutually exclusive")
        if self.content is None and self.url is None and self.component is None:
            raise construction_error("one of 'content', 'component', 'url' is required")
        return self

    def _get_error_details(self, method: Any) -> list[InitErrorDetails]:
        errors = super()._get_error_details(method)
        if self.component is not None and self.size != PortalWidget.Size.EXPANDED:
            errors.append(
                self._create_error_detail("value", "Component only supports 'expanded' size", self.size.value, "size")
            )
        return errors
