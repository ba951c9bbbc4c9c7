"""Seed 000's plugin examples run unchanged and produce Canvas's exact effects."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest

from frontdesk.sdk.events import Event


def run(module: str, class_name: str, event: Event) -> list[Any]:
    handler_class = getattr(importlib.import_module(f"frontdesk.sdk.tests.seed_000.{module}"), class_name)
    handler = handler_class(event, {}, {})
    assert handler.accept_event()
    return handler.compute()


def portal_event(name: str, target: str = "", target_type: str | None = None) -> Event:
    return Event.from_parts(type=name, target=target, target_type=target_type, context=None, actor=None)


def test_it_answers_the_application_configuration_question() -> None:
    event = portal_event("PATIENT_PORTAL__GET_APPLICATION_CONFIGURATION")
    [effect] = run("application_configuration", "Protocol", event)
    assert effect.type == 2012
    assert json.loads(effect.payload) == {
        "data": {"can_schedule_appointments": True, "default_homepage_application_identifier": None}
    }


@pytest.mark.parametrize(
    ("module", "event_name", "effect_type", "result"),
    [
        ("hide_cancel", "PATIENT_PORTAL__APPOINTMENT_CAN_BE_CANCELED", 2001, False),
        ("hide_reschedule", "PATIENT_PORTAL__APPOINTMENT_CAN_BE_RESCHEDULED", 2002, False),
        ("show_join", "PATIENT_PORTAL__APPOINTMENT_CAN_SHOW_MEETING_LINK", 2003, True),
    ],
)
def test_it_answers_the_appointment_card_questions_with_raw_payloads(
    module: str, event_name: str, effect_type: int, result: bool
) -> None:
    event = portal_event(event_name, "9f1c0b9e-5a43-4f5e-9d55-0e2e5bb2b7a1", "Appointment")
    [effect] = run(module, "Protocol", event)
    assert effect.type == effect_type
    assert effect.payload == json.dumps({"result": result})


def contact_point_event(contact_point: Any, name: str) -> Event:
    return Event.from_parts(
        type=name,
        target=str(contact_point.id),
        target_type="PatientContactPoint",
        context={"patient": {"id": contact_point.patient.id}},
        actor=None,
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_it_updates_the_user_of_the_contact_points_patient(alice: Any, alice_email: Any) -> None:
    [effect] = run("update_user", "ContactPoint", contact_point_event(alice_email, "PATIENT_CONTACT_POINT_UPDATED"))
    assert effect.type == 5000
    dbid = alice.user.dbid
    assert json.loads(effect.payload) == {
        "data": {"user_dbid": dbid, "email": "test@email.com", "phone_number": "1234567890", "dbid": dbid}
    }


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_it_invites_the_user_of_the_contact_points_patient(alice: Any, alice_email: Any) -> None:
    [effect] = run("send_invite", "ContactPoint", contact_point_event(alice_email, "PATIENT_CONTACT_POINT_UPDATED"))
    assert effect.type == 2004
    assert json.loads(effect.payload) == {"data": {"user_dbid": alice.user.dbid}}


def test_it_verifies_the_contact_point_the_event_targets(alice_email: Any) -> None:
    event = contact_point_event(alice_email, "PATIENT_CONTACT_POINT_CREATED")
    [effect] = run("send_contact_verification", "Protocol", event)
    assert effect.type == 2013
    assert json.loads(effect.payload) == {"data": {"contact_point_id": str(alice_email.id)}}
