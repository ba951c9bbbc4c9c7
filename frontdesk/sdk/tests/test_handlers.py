"""BaseHandler and BaseProtocol: constructor, accept_event(), the deprecated target/context."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.sdk.events import Event
from frontdesk.sdk.handlers import BaseHandler
from frontdesk.sdk.handlers.base import BaseHandler as BaseHandlerFromBase
from frontdesk.sdk.protocols import BaseProtocol, ClinicalQualityMeasure
from frontdesk.sdk.protocols.base import BaseProtocol as BaseProtocolFromBase


class Echo(BaseProtocol):
    RESPONDS_TO = "PATIENT_CONTACT_POINT_UPDATED"

    def compute(self) -> list[Any]:
        return []


def contact_point_event() -> Event:
    return Event.from_parts(
        type="PATIENT_CONTACT_POINT_UPDATED",
        target="3f2b0c2e-8d3c-4d8e-9b8e-1f0b5d0f0a11",
        target_type="PatientContactPoint",
        context='{"patient": {"id": "abc"}}',
        actor=None,
    )


def test_it_keeps_event_secrets_and_environment() -> None:
    ev = contact_point_event()
    handler = Echo(ev, {"api_key": "k"}, {"CUSTOMER_IDENTIFIER": "clinic"})
    assert handler.event is ev
    assert handler.secrets == {"api_key": "k"}
    assert handler.environment == {"CUSTOMER_IDENTIFIER": "clinic"}
    assert handler.accept_event() is True
    bare = Echo(ev)
    assert (bare.secrets, bare.environment) == ({}, {})


def test_it_still_serves_the_deprecated_target_and_context_with_a_warning() -> None:
    handler = Echo(contact_point_event())
    with pytest.warns(DeprecationWarning, match="Use 'event.target.id' directly instead"):
        assert handler.target == "3f2b0c2e-8d3c-4d8e-9b8e-1f0b5d0f0a11"
    with pytest.warns(DeprecationWarning, match="Use 'event.context' directly instead"):
        assert handler.context == {"patient": {"id": "abc"}}


def test_it_is_abstract_until_compute_is_defined() -> None:
    class NoCompute(BaseHandler):
        pass

    with pytest.raises(TypeError):
        NoCompute(contact_point_event())  # type: ignore[abstract]


def test_it_exports_the_classes_under_every_canvas_path() -> None:
    assert BaseHandler is BaseHandlerFromBase
    assert BaseProtocol is BaseProtocolFromBase
    assert issubclass(BaseProtocol, BaseHandler)
    assert issubclass(ClinicalQualityMeasure, BaseProtocol)
