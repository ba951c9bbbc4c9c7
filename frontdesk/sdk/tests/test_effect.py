"""The `Effect` wrapper: type by number or name, JSON payload, equality, set_async()."""

from __future__ import annotations

import json

import pytest

from frontdesk.sdk.effects import Effect, EffectType


@pytest.mark.parametrize("given", [EffectType.CREATE_APPOINTMENT, "CREATE_APPOINTMENT", 6001])
def test_it_takes_the_type_as_a_member_its_name_or_its_number(given: object) -> None:
    effect = Effect(type=given, payload="{}")  # type: ignore[arg-type]
    assert effect.type == 6001
    assert effect.payload == "{}"


def test_it_refuses_an_unknown_type_name_and_a_non_string_payload() -> None:
    with pytest.raises(ValueError, match="no value defined for name 'NOPE'"):
        Effect(type="NOPE", payload="{}")
    with pytest.raises(TypeError):
        Effect(type=EffectType.LOG, payload={"a": 1})  # type: ignore[arg-type]


def test_it_compares_by_type_and_payload() -> None:
    a = Effect(type=EffectType.PORTAL_WIDGET, payload='{"x": 1}')
    assert a == Effect(type="PORTAL_WIDGET", payload='{"x": 1}')
    assert a != Effect(type=EffectType.PORTAL_WIDGET, payload='{"x": 2}')
    assert a != Effect(type=EffectType.LAUNCH_MODAL, payload='{"x": 1}')
    assert "PORTAL_WIDGET" in repr(a)


def test_it_merges_async_props_into_the_payload() -> None:
    effect = Effect(type=EffectType.HTTP_REQUEST, payload=json.dumps({"data": {"url": "https://x"}}))
    assert effect.set_async(delay_seconds=5) is effect
    effect.set_async(max_retries=3)
    assert json.loads(effect.payload) == {
        "data": {"url": "https://x"},
        "async_props": {"delay_seconds": 5, "max_retries": 3},
    }


def test_it_refuses_set_async_on_a_payload_that_is_not_an_object() -> None:
    with pytest.raises(ValueError, match="JSON object"):
        Effect(type=EffectType.LOG, payload="[1]").set_async(delay_seconds=1)
