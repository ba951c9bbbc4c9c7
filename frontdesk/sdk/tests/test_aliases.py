"""`canvas_sdk.*` and `logger` are served from frontdesk.sdk, as the very same module objects."""

from __future__ import annotations

import importlib
import logging
import sys

import pytest

from frontdesk.sdk import aliases


def test_it_serves_canvas_sdk_modules_as_the_frontdesk_modules() -> None:
    import canvas_sdk.effects.widgets  # type: ignore[import-not-found]

    import frontdesk.sdk.effects.widgets

    assert canvas_sdk.effects.widgets is frontdesk.sdk.effects.widgets
    assert sys.modules["canvas_sdk.effects.widgets"] is sys.modules["frontdesk.sdk.effects.widgets"]
    assert sys.modules["canvas_sdk"] is sys.modules["frontdesk.sdk"]
    # The shared module keeps its own identity (reload, pickling, tracebacks).
    assert frontdesk.sdk.effects.widgets.__name__ == "frontdesk.sdk.effects.widgets"
    assert frontdesk.sdk.effects.widgets.__spec__.name == "frontdesk.sdk.effects.widgets"


def test_it_serves_the_names_plugins_import() -> None:
    from canvas_sdk.effects.widgets import PortalWidget  # type: ignore[import-not-found]
    from canvas_sdk.events import EventType  # type: ignore[import-not-found]
    from logger import log  # type: ignore[import-not-found]

    from frontdesk.sdk.effects.widgets.portal_widget import PortalWidget as Real

    assert PortalWidget is Real
    assert EventType.Name(EventType.PATIENT_CREATED) == "PATIENT_CREATED"
    assert isinstance(log, logging.Logger) and log.name == "frontdesk.plugins.sdk"


@pytest.mark.parametrize("name", ["canvas_sdk.clients.twilio", "canvas_sdk.effects.task", "logger.extra"])
def test_it_reports_modules_frontdesk_does_not_provide_as_not_found(name: str) -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(name)


def test_it_installs_once() -> None:
    aliases.install()
    aliases.install()
    assert sum(isinstance(finder, aliases.AliasFinder) for finder in sys.meta_path) == 1


@pytest.mark.parametrize(
    ("name", "real"),
    [
        ("canvas_sdk", "frontdesk.sdk"),
        ("canvas_sdk.v1.data.patient", "frontdesk.sdk.v1.data.patient"),
        ("logger", "frontdesk.sdk.logger"),
        ("canvas_sdkx", None),
        ("os", None),
    ],
)
def test_it_maps_plugin_names_to_frontdesk_names(name: str, real: str | None) -> None:
    assert aliases.real_name(name) == real
