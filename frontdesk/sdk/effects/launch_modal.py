"""`LaunchModalEffect`: open a URL or HTML in a modal, pane, new window or page (LAUNCH_MODAL).

What portal applications return from `on_open()`. Payload
`{"data": {"url", "content", "target", "title", "dismissible"}}`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, model_validator

from frontdesk.sdk.effects.base import _BaseEffect, construction_error
from frontdesk.sdk.effects.effect_type import EffectType


class LaunchModalEffect(_BaseEffect):
    """Show `url` or `content` (not both) in `target`; `target` also accepts its string value."""

    class Meta:
        effect_type = EffectType.LAUNCH_MODAL

    class TargetType(StrEnum):
        DEFAULT_MODAL = "default_modal"
        NEW_WINDOW = "new_window"
        RIGHT_CHART_PANE = "right_chart_pane"
        RIGHT_CHART_PANE_LARGE = "right_chart_pane_large"
        PAGE = "page"
        NOTE = "note"
        DOCKED_PANE = "docked_pane"

    url: str | None = None
    content: str | None = None
    target: TargetType = Field(default=TargetType.DEFAULT_MODAL, strict=False)
    title: str = "Untitled"
    dismissible: bool = True

    @model_validator(mode="after")
    def _url_or_content(self) -> Self:
        if self.url is not None and self.content is not None:
            raise construction_error("'url' and 'content' are mutually exclusive")
        return self
