"""frontdesk.sdk offers Canvas's module paths and names (canvas-sdk-allowed-imports.txt) and no others.

What a module's `__all__` lists must be importable from that module in the real SDK, so a plugin
that runs on frontdesk also runs on Canvas; the few frontdesk additions are listed here.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import frontdesk.sdk

# A copy of shared/reference/canvas-sdk-allowed-imports.txt (Canvas SDK 0.261.0).
ALLOWED = {
    module: set(names)
    for module, *names in (
        line.split() for line in Path(__file__).with_name("canvas-sdk-allowed-imports.txt").read_text().splitlines()
    )
}

# frontdesk modules that are machinery, not Canvas modules (the sandbox does not offer them).
INTERNAL = {"aliases", "protoenum", "events.event_type", "effects.effect_type", "templates.filters"}

# Names frontdesk offers beyond Canvas's (documented where defined).
ADDITIONS = {
    "canvas_sdk.utils": {"batch_delete", "batch_requests"},
    "canvas_sdk.utils.http": {"BatchableRequest", "Response", "batch_delete", "batch_requests"},
    "canvas_sdk.v1.data.patient": {"ContactPointUse"},
}


def sdk_modules() -> list[str]:
    found = []
    for info in pkgutil.walk_packages(frontdesk.sdk.__path__, "frontdesk.sdk."):
        short = info.name.removeprefix("frontdesk.sdk.")
        if short.startswith("tests") or short in INTERNAL or short == "logger":
            continue
        found.append(short)
    return found


@pytest.mark.parametrize("short", sdk_modules())
def test_it_offers_only_canvas_modules_and_names(short: str) -> None:
    canvas_name = f"canvas_sdk.{short}"
    module: Any = importlib.import_module(f"frontdesk.sdk.{short}")
    exported = set(getattr(module, "__all__", ()))
    if canvas_name not in ALLOWED:
        # A package Canvas has only as a parent of importable modules.
        assert any(name.startswith(canvas_name + ".") for name in ALLOWED), canvas_name
        assert not exported
        return
    assert exported - ALLOWED[canvas_name] - ADDITIONS.get(canvas_name, set()) == set()
    for name in exported:
        assert hasattr(module, name)


def test_it_offers_the_logger() -> None:
    assert ALLOWED["logger"] == {"log"}
    assert importlib.import_module("frontdesk.sdk.logger").__all__ == ["log"]


def test_it_maps_canvas_model_names_to_frontdesk_models(db: Any) -> None:
    from frontdesk.sdk.v1.data import MODELS_BY_NAME, Patient, PatientContactPoint

    assert MODELS_BY_NAME["Patient"] is Patient
    assert MODELS_BY_NAME["PatientContactPoint"] is PatientContactPoint
    assert set(MODELS_BY_NAME) <= ALLOWED["canvas_sdk.v1.data"]
    for model in MODELS_BY_NAME.values():
        assert model.objects.count() == 0


@pytest.mark.parametrize(
    ("module", "name", "values"),
    [
        ("common", "ContactPointSystem", {"phone", "fax", "email", "pager", "other"}),
        ("common", "ContactPointUse", {"home", "work", "temp", "old", "other", "mobile", "automation"}),
        ("common", "ContactPointState", {"active", "deleted"}),
        ("patient", "SexAtBirth", {"F", "M", "O", "UNK"}),
        ("care_team", "CareTeamMembershipStatus", {"proposed", "active", "suspended", "inactive", "entered-in-error"}),
        (
            "appointment",
            "AppointmentProgressStatus",
            {"unconfirmed", "attempted", "confirmed", "arrived", "roomed", "exited", "noshowed", "cancelled"},
        ),
        (
            "note",
            "NoteTypeCategories",
            {
                "message",
                "letter",
                "inpatient",
                "review",
                "encounter",
                "appointment",
                "task",
                "data",
                "ccda",
                "schedule_event",
            },
        ),
        ("condition", "ClinicalStatus", {"active", "relapse", "remission", "resolved", "investigative"}),
        ("medication", "Status", {"active", "inactive"}),
    ],
)
def test_it_offers_canvas_enum_values(module: str, name: str, values: set[str]) -> None:
    enum = getattr(importlib.import_module(f"frontdesk.sdk.v1.data.{module}"), name)
    assert {member.value for member in enum} == values
