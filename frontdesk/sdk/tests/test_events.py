"""The Event handlers receive: name, context (always a dict), target and actor resolution."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from frontdesk.sdk.events import Event, EventRequest, EventResponse, EventType
from frontdesk.sdk.events.base import Actor, TargetType


def event(**parts: Any) -> Event:
    defaults: dict[str, Any] = {
        "type": EventType.PATIENT_UPDATED,
        "target": "",
        "target_type": None,
        "context": None,
        "actor": None,
    }
    return Event.from_parts(**{**defaults, **parts})


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (None, {}),
        ("", {}),
        ("not json", {}),
        ("{", {}),
        ("[1, 2]", {}),
        ('"a string"', {}),
        ("null", {}),
        ('{"patient": {"id": "abc"}}', {"patient": {"id": "abc"}}),
        ({"patient": {"id": "abc"}}, {"patient": {"id": "abc"}}),
        ({}, {}),
    ],
)
def test_it_always_gives_a_dict_context(context: Any, expected: dict[str, Any]) -> None:
    assert event(context=context).context == expected


def test_it_copies_a_dict_context_so_handlers_cannot_change_the_hosts() -> None:
    original = {"patient": {"id": "abc"}}
    event(context=original).context["patient"]["id"] = "changed"
    assert original == {"patient": {"id": "abc"}}


def test_it_refuses_a_context_that_is_not_json() -> None:
    with pytest.raises(TypeError):
        event(context={"when": datetime.now(tz=UTC)})


@pytest.mark.parametrize(
    ("given", "number", "name"),
    [
        (43, 43, "PATIENT_CREATED"),
        ("PATIENT_CREATED", 43, "PATIENT_CREATED"),
        (EventType.PATIENT_PORTAL__WIDGET_CONFIGURATION, 110101, "PATIENT_PORTAL__WIDGET_CONFIGURATION"),
        (424242, 424242, "UNKNOWN_EVENT_424242"),
    ],
)
def test_it_names_the_event(given: Any, number: int, name: str) -> None:
    built = event(type=given)
    assert (built.type, built.name) == (number, name)


def test_it_refuses_an_unknown_event_name() -> None:
    with pytest.raises(ValueError, match="NOT_AN_EVENT"):
        event(type="NOT_AN_EVENT")


def test_it_keeps_the_source_and_builds_from_a_request() -> None:
    request = EventRequest(type=73, target="x", context='{"a": 1}', target_type="", actor="", source="portal")
    built = Event(request)
    assert (built.name, built.target.id, built.context, built.source) == (
        "PATIENT_CONTACT_POINT_UPDATED",
        "x",
        {"a": 1},
        "portal",
    )
    assert built.target.type is None and built.target.instance is None
    assert built.actor.id is None and built.actor.instance is None
    assert EventResponse().success is True and EventResponse().effects == []


def test_it_resolves_the_target_patient(alice: Any) -> None:
    from frontdesk.sdk.v1.data import Patient

    built = event(target=alice.id, target_type="Patient")
    assert built.target == TargetType(id=alice.id, type=Patient)
    assert built.target.instance == alice


def test_it_resolves_contact_point_and_appointment_targets(alice: Any, alice_email: Any) -> None:
    from frontdesk.sdk.v1.data import Appointment

    appointment = Appointment.objects.create(
        patient=alice, start_time=datetime(2030, 1, 2, 15, tzinfo=UTC), duration_minutes=30
    )
    assert event(target=str(alice_email.id), target_type="PatientContactPoint").target.instance == alice_email
    assert event(target=str(appointment.id), target_type="appointment").target.instance == appointment


@pytest.mark.parametrize(
    ("target", "target_type"),
    [
        ("0" * 32, "Patient"),
        ("not-a-uuid", "PatientContactPoint"),
        ("00000000-0000-0000-0000-000000000000", "Appointment"),
        ("x", "NotAFrontdeskModel"),
        ("x", None),
    ],
)
def test_it_resolves_an_unknown_target_to_none(db: Any, target: str, target_type: str | None) -> None:
    assert event(target=target, target_type=target_type).target.instance is None


def test_it_caches_the_target_instance(alice: Any, django_assert_num_queries: Any) -> None:
    target = event(target=alice.id, target_type="Patient").target
    with django_assert_num_queries(1):
        assert target.instance == alice
        assert target.instance == alice


def test_it_resolves_the_actor_to_a_user(alice: Any, dana: Any) -> None:
    assert event(actor=str(dana.dbid)).actor.instance == dana
    assert event(actor=dana.dbid).actor.id == str(dana.dbid)
    assert Actor(id="not-a-number").instance is None
    assert Actor(id="987654").instance is None


def test_it_round_trips_a_context_through_json() -> None:
    context = {"slots_by_provider": json.dumps({"staff": {"2030-01-02": []}})}
    assert event(context=context).context == context
