"""`canvas_sdk.effects`: `Effect`, `EffectType` and the effect-class base `_BaseEffect`."""

from frontdesk.sdk.effects.base import _BaseEffect
from frontdesk.sdk.effects.effect import Effect
from frontdesk.sdk.effects.effect_type import EffectType

__all__ = ["Effect", "EffectType", "_BaseEffect"]
