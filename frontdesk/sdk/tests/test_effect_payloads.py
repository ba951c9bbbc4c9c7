"""The portal effect classes build Canvas's exact effect types and payloads (reference §3.1)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from frontdesk.sdk.effects.launch_modal import LaunchModalEffect
from frontdesk.sdk.effects.patient_portal.application_configuration import PatientPortalApplicationConfiguration
from frontdesk.sdk.effects.patient_portal.form_result import FormResult
from frontdesk.sdk.effects.patient_portal.theme import PatientPortalTheme
from frontdesk.sdk.effects.patient_portal_menu_configuration import MenuItems, PatientPortalMenuConfiguration
from frontdesk.sdk.effects.send_contact_verification import SendContactVerificationEffect
from frontdesk.sdk.effects.update_user import UpdateUserEffect
from frontdesk.sdk.effects.widgets import PortalWidget
from frontdesk.sdk.events import Event

QUESTIONNAIRE = uuid.UUID("6a1f54c1-58f4-4ab0-a3d2-0ad0ea7a9f61")
NULL_THEME = dict.fromkeys(
    [
        "brand_color",
        "menu_background_color",
        "menu_selected_background_color",
        "menu_text_color",
        "page_background_color",
        "corner_radius",
        "font_family",
        "font_source",
        "person_word",
        "custom_css",
    ]
)

CASES = [
    (
        PortalWidget(component=PortalWidget.Component.APPOINTMENTS, priority=25),
        2101,
        {"data": {"url": None, "content": None, "component": "appointments", "size": "expanded", "priority": 25}},
    ),
    (
        PortalWidget(content="<h2>Hi</h2>", size=PortalWidget.Size.COMPACT),
        2101,
        {"data": {"url": None, "content": "<h2>Hi</h2>", "component": None, "size": "compact", "priority": 100}},
    ),
    (
        PortalWidget(url="https://x.test/w", size="medium"),
        2101,
        {"data": {"url": "https://x.test/w", "content": None, "component": None, "size": "medium", "priority": 100}},
    ),
    (
        PatientPortalMenuConfiguration(
            items=[MenuItems.APPOINTMENTS, PatientPortalMenuConfiguration.MenuItems.MESSAGING]
        ),
        2100,
        {"data": {"items": ["appointments", "messaging"]}},
    ),
    (
        PatientPortalApplicationConfiguration(can_schedule_appointments=False),
        2012,
        {"data": {"can_schedule_appointments": False, "default_homepage_application_identifier": None}},
    ),
    (
        FormResult(questionnaire_id=QUESTIONNAIRE, create_command=True, note_id="n-1"),
        2000,
        {"data": {"questionnaire_id": str(QUESTIONNAIRE), "create_command": True, "note_id": "n-1"}},
    ),
    (
        FormResult(questionnaire_id="q-1"),
        2000,
        {"data": {"questionnaire_id": "q-1", "create_command": False, "note_id": None}},
    ),
    (
        PatientPortalTheme(brand_color="#0A66C2", corner_radius=8, person_word="member"),
        2014,
        {"data": {**NULL_THEME, "brand_color": "#0A66C2", "corner_radius": 8, "person_word": "member"}},
    ),
    (
        LaunchModalEffect(url="/plugin-io/api/forms/", target=LaunchModalEffect.TargetType.PAGE),
        3000,
        {
            "data": {
                "url": "/plugin-io/api/forms/",
                "content": None,
                "target": "page",
                "title": "Untitled",
                "dismissible": True,
            }
        },
    ),
    (
        LaunchModalEffect(content="<p>x</p>", title="Forms", dismissible=False),
        3000,
        {
            "data": {
                "url": None,
                "content": "<p>x</p>",
                "target": "default_modal",
                "title": "Forms",
                "dismissible": False,
            }
        },
    ),
]


@pytest.mark.parametrize(("effect", "effect_type", "payload"), CASES)
def test_it_builds_canvas_payloads(effect: Any, effect_type: int, payload: dict[str, Any]) -> None:
    applied = effect.apply()
    assert applied.type == effect_type
    assert json.loads(applied.payload) == payload


def test_it_sends_only_the_user_fields_that_were_set_plus_dbid(alice: Any) -> None:
    dbid = alice.user.dbid
    effect = UpdateUserEffect(user_dbid=dbid, email="a@b.c")
    assert json.loads(effect.apply().payload) == {"data": {"email": "a@b.c", "user_dbid": dbid, "dbid": dbid}}
    effect.phone_number = "+16175550199"
    assert json.loads(effect.apply().payload) == {
        "data": {"email": "a@b.c", "phone_number": "+16175550199", "user_dbid": dbid, "dbid": dbid}
    }


@pytest.mark.parametrize("form", ["str", "uuid", "target"])
def test_it_takes_a_contact_point_id_as_str_uuid_or_event_target(alice_email: Any, form: str) -> None:
    event = Event.from_parts(
        type="PATIENT_CONTACT_POINT_CREATED",
        target=str(alice_email.id),
        target_type="PatientContactPoint",
        context=None,
        actor=None,
    )
    given = {"str": str(alice_email.id), "uuid": alice_email.id, "target": event.target}[form]
    effect = SendContactVerificationEffect(contact_point_id=given).apply()
    assert json.loads(effect.payload) == {"data": {"contact_point_id": str(alice_email.id)}}
