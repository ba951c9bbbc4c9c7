"""EventType and EffectType: Canvas's names and numbers, with protobuf-enum behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk.sdk.effects import EffectType
from frontdesk.sdk.events import EventType

# A copy of shared/reference/canvas-sdk-events-effects.txt (Canvas SDK 0.261.0).
REFERENCE = Path(__file__).with_name("canvas-sdk-events-effects.txt")


def reference_members() -> tuple[dict[str, int], dict[str, int]]:
    events: dict[str, int] = {}
    effects: dict[str, int] = {}
    current = events
    for line in REFERENCE.read_text().splitlines():
        if line.startswith("# EffectType"):
            current = effects
        elif "=" in line and not line.startswith("#"):
            name, value = (part.strip() for part in line.split("="))
            current[name] = int(value)
    return events, effects


def test_it_defines_every_reference_event_and_effect_with_its_number() -> None:
    events, effects = reference_members()
    assert len(events) > 150 and len(effects) > 100
    assert dict(EventType.items()) == events
    assert dict(EffectType.items()) == effects


@pytest.mark.parametrize(
    ("enum", "name", "number"),
    [
        (EventType, "PATIENT_CREATED", 43),
        (EventType, "PATIENT_CONTACT_POINT_UPDATED", 73),
        (EventType, "APPOINTMENT_CANCELED", 4),
        (EventType, "PATIENT_PORTAL__GET_APPLICATION_CONFIGURATION", 110013),
        (EventType, "PATIENT_PORTAL__WIDGET_CONFIGURATION", 110101),
        (EventType, "APPLICATION__ON_OPEN", 103000),
        (EventType, "SIMPLE_API_REQUEST", 130001),
        (EffectType, "PATIENT_PORTAL__FORM_RESULT", 2000),
        (EffectType, "PATIENT_PORTAL__APPOINTMENT_IS_CANCELABLE", 2001),
        (EffectType, "PATIENT_PORTAL__SEND_CONTACT_VERIFICATION", 2013),
        (EffectType, "PORTAL_WIDGET", 2101),
        (EffectType, "LAUNCH_MODAL", 3000),
        (EffectType, "UPDATE_USER", 5000),
        (EffectType, "HTTP_REQUEST", 10000),
    ],
)
def test_it_has_canvas_numbers_as_plain_ints(enum: object, name: str, number: int) -> None:
    value = getattr(enum, name)
    assert value == number
    assert type(value) is int
    assert enum.Name(number) == name  # type: ignore[attr-defined]
    assert enum.Value(name) == number  # type: ignore[attr-defined]


def test_it_lists_members_in_declaration_order() -> None:
    assert EventType.keys()[:2] == ["APPOINTMENT_CANCELED", "APPOINTMENT_CHECKED_IN"]
    assert EventType.values()[:2] == [4, 5]
    assert EventType.items()[0] == ("APPOINTMENT_CANCELED", 4)
    assert len(EventType.keys()) == len(set(EventType.keys()))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: EventType.Name(999_999), "Enum EventType has no name defined for value 999999"),
        (lambda: EventType.Value("NOPE"), "Enum EventType has no value defined for name 'NOPE'"),
        (lambda: EffectType.Name(7), "Enum EffectType has no name defined for value 7"),
        (lambda: EffectType.Value("NOPE"), "Enum EffectType has no value defined for name 'NOPE'"),
    ],
)
def test_it_raises_protobufs_value_error_for_unknown_members(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


def test_it_raises_attribute_error_for_an_unknown_attribute() -> None:
    with pytest.raises(AttributeError):
        _ = EventType.NOT_AN_EVENT
    assert not hasattr(EffectType, "NOT_AN_EFFECT")
