"""`PatientPortalTheme`: the portal's brand tokens (PATIENT_PORTAL__THEME_CONFIGURATION).

Answers PATIENT_PORTAL__GET_THEME_CONFIGURATION. Payload `{"data": {...}}` with all ten tokens,
null when unset. Every token is validated so that a theme cannot inject markup or load
anything: colours are `#rrggbb`, fonts come only from Google Fonts, and `custom_css` may not
contain `<` nor anything that fetches a resource.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator
from pydantic_core import InitErrorDetails

from frontdesk.sdk.effects.base import _BaseEffect, construction_error
from frontdesk.sdk.effects.effect_type import EffectType

COLOR = r"^#[0-9A-Fa-f]{6}$"
GOOGLE_FONTS_CSS = r"^https://fonts\.googleapis\.com/css2?\?[A-Za-z0-9_.,:;@&=+%-]+$"

# Everything in CSS that can fetch a resource. Canvas names url(), @import, image-set(),
# @font-face and backslash escapes (which could spell any of them); the other image
# functions also take a plain string URL, so they are refused too.
_LOADS = re.compile(
    r"url\s*\(|src\s*\(|image\s*\(|image-set\s*\(|cross-fade\s*\(|element\s*\(|@import|@font-face|\\", re.I
)


class PatientPortalTheme(_BaseEffect):
    """The portal theme. `font_source` needs a `font_family`; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")

    class Meta:
        effect_type = EffectType.PATIENT_PORTAL__THEME_CONFIGURATION

    brand_color: str | None = Field(default=None, pattern=COLOR)
    menu_background_color: str | None = Field(default=None, pattern=COLOR)
    menu_selected_background_color: str | None = Field(default=None, pattern=COLOR)
    menu_text_color: str | None = Field(default=None, pattern=COLOR)
    page_background_color: str | None = Field(default=None, pattern=COLOR)
    corner_radius: int | None = Field(default=None, ge=0, le=24)
    font_family: str | None = Field(default=None, pattern=r"^[A-Za-z0-9 ,-]+$", max_length=200)
    font_source: str | None = Field(default=None, pattern=GOOGLE_FONTS_CSS)
    person_word: Literal["patient", "member", "client"] | None = None
    custom_css: str | None = Field(default=None, max_length=50_000)

    @field_validator("custom_css")
    @classmethod
    def _css_is_inert(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if "<" in value:
            raise construction_error("custom_css must not contain '<'")
        if _LOADS.search(value):
            raise construction_error(
                "custom_css must not load anything: no url(), @import, image-set(), @font-face or backslash escapes"
            )
        return value

    def _get_error_details(self, method: Any) -> list[InitErrorDetails]:
        errors = super()._get_error_details(method)
        if self.font_source is not None and not self.font_family:
            errors.append(
                self._create_error_detail(
                    "value", "font_source needs a font_family to apply", self.font_source, "font_source"
                )
            )
        return errors
