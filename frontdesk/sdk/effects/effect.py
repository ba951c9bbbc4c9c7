"""`Effect`: what a handler returns, an `EffectType` number plus a JSON payload string.

Canvas's wrapper around its protobuf `Effect`; the host reads only `.type` and `.payload`.
"""

from __future__ import annotations

import json
from typing import Any

from frontdesk.sdk.effects.effect_type import EffectType


class Effect:
    """One effect: `type` (an EffectType number) and `payload` (a JSON string).

    `type` may be given as an EffectType number or member name (`"CREATE_APPOINTMENT"`); an
    unknown name raises ValueError. Two effects are equal when type and payload are.
    """

    __slots__ = ("payload", "type")

    def __init__(self, type: int | str = 0, payload: str = "") -> None:
        if not isinstance(payload, str):
            raise TypeError(f"Effect payload must be a JSON string, not {_type_name(payload)}")
        self.type: int = EffectType.coerce(type)
        self.payload: str = payload

    def __eq__(self, other: object) -> bool:
        if not hasattr(other, "type") or not hasattr(other, "payload"):
            return NotImplemented
        return (self.type, self.payload) == (other.type, other.payload)

    def __hash__(self) -> int:
        return hash((self.type, self.payload))

    def __repr__(self) -> str:
        try:
            name = EffectType.Name(self.type)
        except ValueError:
            name = str(self.type)
        return f"Effect(type={name}, payload={self.payload!r})"

    def set_async(self, delay_seconds: int | None = None, max_retries: int | None = None) -> Effect:
        """Ask for this effect to be applied later; return self.

        Merges `{"async_props": {"delay_seconds": ..., "max_retries": ...}}` (only the options
        given) into the payload. Raises ValueError if the payload is not a JSON object.
        """
        data: Any = json.loads(self.payload) if self.payload else {}
        if not isinstance(data, dict):
            raise ValueError("set_async() needs an effect whose payload is a JSON object")
        props = dict(data.get("async_props") or {})
        if delay_seconds is not None:
            props["delay_seconds"] = delay_seconds
        if max_retries is not None:
            props["max_retries"] = max_retries
        data["async_props"] = props
        self.payload = json.dumps(data)
        return self


def _type_name(value: object) -> str:
    return type(value).__name__


__all__ = ["Effect", "EffectType"]
