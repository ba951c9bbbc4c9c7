"""Every validation message of the portal effects (reference §3.1), verbatim."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from frontdesk.sdk.effects.launch_modal import LaunchModalEffect
from frontdesk.sdk.effects.patient_portal.application_configuration import PatientPortalApplicationConfiguration
from frontdesk.sdk.effects.patient_portal.form_result import FormResult
from frontdesk.sdk.effects.patient_portal.theme import PatientPortalTheme
from frontdesk.sdk.effects.patient_portal_menu_configuration import PatientPortalMenuConfiguration
from frontdesk.sdk.effects.send_contact_verification import SendContactVerificationEffect
from frontdesk.sdk.effects.send_invite import SendInviteEffect
from frontdesk.sdk.effects.update_user import UpdateUserEffect
from frontdesk.sdk.effects.widgets import PortalWidget

NO_CSS_LOADS = "custom_css must not load anything: no url(), @import, image-set(), @font-face or backslash escapes"

CONSTRUCTION_ERRORS = [
    (
        PortalWidget,
        {"content": "<p>hi</p>", "component": "appointments"},
        "'content' and 'component' are mutually exclusive",
    ),
    (PortalWidget, {"content": "<p>hi</p>", "url": "https://x.test"}, "'content' and 'url' are mutually exclusive"),
    (PortalWidget, {"url": "https://x.test", "component": "messaging"}, "'url' and 'component' are mutually exclusive"),
    (PortalWidget, {}, "one of 'content', 'component', 'url' is required"),
    (UpdateUserEffect, {"user_dbid": 1}, "one of 'email', 'phone_number' is required"),
    (LaunchModalEffect, {"url": "https://x.test", "content": "<p>"}, "'url' and 'content' are mutually exclusive"),
    (PatientPortalTheme, {"custom_css": "a > b { color: red } </style>"}, "custom_css must not contain '<'"),
    (PatientPortalTheme, {"custom_css": "body { background: url(https://x.test/a.png) }"}, NO_CSS_LOADS),
    (PatientPortalTheme, {"custom_css": "body { background: URL ( 'a.png' ) }"}, NO_CSS_LOADS),
    (PatientPortalTheme, {"custom_css": "@import 'https://x.test/a.css';"}, NO_CSS_LOADS),
    (PatientPortalTheme, {"custom_css": "div { background: image-set('a.png' 1x) }"}, NO_CSS_LOADS),
    (PatientPortalTheme, {"custom_css": "@font-face { font-family: x }"}, NO_CSS_LOADS),
    (PatientPortalTheme, {"custom_css": "div { content: '\\75 rl(x)' }"}, NO_CSS_LOADS),
]


@pytest.mark.parametrize(("cls", "fields", "message"), CONSTRUCTION_ERRORS)
def test_it_refuses_invalid_fields_at_construction(cls: Any, fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        cls(**fields)
    assert [error["msg"] for error in caught.value.errors()] == [message]
    assert caught.value.title == cls.__name__


APPLY_ERRORS = [
    (PortalWidget, {"component": "appointments", "size": "compact"}, "Component only supports 'expanded' size"),
    (
        PatientPortalApplicationConfiguration,
        {"default_homepage_application_identifier": "portal_app.handlers:Home"},
        "Application with identifier portal_app.handlers:Home does not exist",
    ),
    (
        PatientPortalTheme,
        {"font_source": "https://fonts.googleapis.com/css2?family=Inter"},
        "font_source needs a font_family to apply",
    ),
    (SendInviteEffect, {"user_dbid": 987_654}, "User does not exist"),
    (SendInviteEffect, {}, "Field 'user_dbid' is required to apply a SendInviteEffect"),
    (UpdateUserEffect, {"user_dbid": 987_654, "email": "a@b.c"}, "User does not exist"),
    (UpdateUserEffect, {"email": "a@b.c"}, "Field 'user_dbid' is required to apply an UpdateUserEffect"),
    (
        SendContactVerificationEffect,
        {"contact_point_id": str(uuid.UUID(int=5))},
        "Patient Contact Point does not exist",
    ),
    (SendContactVerificationEffect, {"contact_point_id": "not-a-uuid"}, "Patient Contact Point does not exist"),
    (SendContactVerificationEffect, {"contact_point_id": uuid.UUID(int=5)}, "Patient Contact Point does not exist"),
    (
        SendContactVerificationEffect,
        {},
        "Field 'contact_point_id' is required to apply a SendContactVerificationEffect",
    ),
    (FormResult, {}, "Field 'questionnaire_id' is required to apply a FormResult"),
]


@pytest.mark.parametrize(("cls", "fields", "message"), APPLY_ERRORS)
def test_it_refuses_invalid_effects_at_apply(db: Any, cls: Any, fields: dict[str, Any], message: str) -> None:
    effect = cls(**fields)
    with pytest.raises(ValidationError) as caught:
        effect.apply()
    assert [error["msg"] for error in caught.value.errors()] == [message]
    assert caught.value.title == cls.__name__


@pytest.mark.parametrize(
    ("cls", "fields", "error_type"),
    [
        (PatientPortalMenuConfiguration, {"items": []}, "too_short"),
        (PatientPortalMenuConfiguration, {"items": ["billing"]}, "enum"),
        (PatientPortalTheme, {"brand_color": "red"}, "string_pattern_mismatch"),
        (PatientPortalTheme, {"corner_radius": 25}, "less_than_equal"),
        (PatientPortalTheme, {"corner_radius": -1}, "greater_than_equal"),
        (PatientPortalTheme, {"font_family": "Inter; } body {"}, "string_pattern_mismatch"),
        (PatientPortalTheme, {"font_source": "https://evil.test/font.css"}, "string_pattern_mismatch"),
        (PatientPortalTheme, {"person_word": "customer"}, "literal_error"),
        (PatientPortalTheme, {"custom_css": "a" * 50_001}, "string_too_long"),
        (PatientPortalTheme, {"logo": "x"}, "extra_forbidden"),
        (SendInviteEffect, {"user_dbid": "42"}, "int_type"),
        (PortalWidget, {"url": "https://x.test", "priority": "1"}, "int_type"),
        (SendContactVerificationEffect, {"contact_point_id": 42}, "string_type"),
    ],
)
def test_it_is_strict_about_types(cls: Any, fields: dict[str, Any], error_type: str) -> None:
    with pytest.raises(ValidationError) as caught:
        cls(**fields)
    assert caught.value.errors()[0]["type"] == error_type


def test_it_revalidates_on_assignment() -> None:
    widget = PortalWidget(url="https://x.test")
    with pytest.raises(ValidationError, match="mutually exclusive"):
        widget.content = "<p>hi</p>"
