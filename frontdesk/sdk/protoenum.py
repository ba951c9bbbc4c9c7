"""Enums with protobuf semantics, as Canvas's generated `EventType` and `EffectType` behave.

Plugins use them the protobuf way: members are plain ints (`EventType.PATIENT_CREATED == 43`),
`EventType.Name(43)` / `EventType.Value("PATIENT_CREATED")` convert, and `keys()`, `values()`,
`items()` list the members in declaration order. Unknown names and values raise ValueError with
protobuf's messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ProtoEnum:
    """A named set of int constants with the protobuf `EnumTypeWrapper` interface."""

    def __init__(self, name: str, members: Mapping[str, int]) -> None:
        self._enum_name = name
        self._by_name = dict(members)
        self._by_value: dict[int, str] = {}
        for member, number in self._by_name.items():
            # As in protobuf, the first name declared for a number is the one Name() returns.
            self._by_value.setdefault(number, member)

    def __getattr__(self, name: str) -> int:
        try:
            return self.__dict__["_by_name"][name]
        except KeyError:
            raise AttributeError(f"Enum {self.__dict__.get('_enum_name', '?')} has no member {name!r}") from None

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._by_name]

    def __repr__(self) -> str:
        return f"<enum {self._enum_name}>"

    def Name(self, number: int) -> str:
        """Return the member name for `number`; raise ValueError if none has it."""
        if isinstance(number, int) and not isinstance(number, bool) and number in self._by_value:
            return self._by_value[number]
        raise ValueError(f"Enum {self._enum_name} has no name defined for value {number!r}")

    def Value(self, name: str) -> int:
        """Return the number of member `name`; raise ValueError if there is no such member."""
        if isinstance(name, str) and name in self._by_name:
            return self._by_name[name]
        raise ValueError(f"Enum {self._enum_name} has no value defined for name {name!r}")

    def keys(self) -> list[str]:
        """Return the member names in declaration order."""
        return list(self._by_name)

    def values(self) -> list[int]:
        """Return the member numbers in declaration order."""
        return list(self._by_name.values())

    def items(self) -> list[tuple[str, int]]:
        """Return (name, number) pairs in declaration order."""
        return list(self._by_name.items())

    def coerce(self, value: Any) -> int:
        """Return the number for a member name or an int (what protobuf accepts for an enum field).

        Raises ValueError for an unknown name and TypeError for anything but str or int. Unknown
        ints are kept, as protobuf 3 enums are open.
        """
        if isinstance(value, bool):
            raise TypeError(f"{self._enum_name} expects an int or a member name, not bool")
        if isinstance(value, int):
            return int(value)
        if isinstance(value, str):
            return self.Value(value)
        raise TypeError(f"{self._enum_name} expects an int or a member name, not {type(value).__name__}")
