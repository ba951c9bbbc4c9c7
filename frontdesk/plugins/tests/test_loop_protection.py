"""An effect that changes data never re-triggers the handler that caused it, and chains across
plugins stop at FRONTDESK_PLUGIN_MAX_CHAIN_DEPTH (the seed 000 caveat, as a guarantee)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from frontdesk.audit.services import Actor
from frontdesk.clinic.models import PatientContactPoint
from frontdesk.clinic.services import add_contact_point, update_contact_point
from frontdesk.events.models import OutboxEvent
from frontdesk.events.services import dispatch_pending
from frontdesk.plugins import appliers

pytestmark = pytest.mark.django_db(transaction=True)

# A plugin that answers every contact point update with an effect that updates the contact point:
# on Canvas this loops forever (seed 000's caveat).
HANDLER = """
import json
from canvas_sdk.effects import Effect
from canvas_sdk.events import EventType
from canvas_sdk.handlers import BaseHandler


class Bump(BaseHandler):
    RESPONDS_TO = [EventType.Name(EventType.PATIENT_CONTACT_POINT_UPDATED)]

    def compute(self):
        return [Effect(type="UPDATE_PATIENT", payload=json.dumps({"data": {"contact_point_id": self.target}}))]
"""


def _plugin(root: Path, name: str) -> Path:
    package = root / name
    (package / "handlers").mkdir(parents=True)
    (package / "handlers" / "__init__.py").write_text("")
    (package / "handlers" / "bump.py").write_text(HANDLER)
    (package / "CANVAS_MANIFEST.json").write_text(json.dumps({
        "sdk_version": "0.1.4", "plugin_version": "1.0.0", "name": name, "description": "bumps",
        "components": {"handlers": [{"class": f"{name}.handlers.bump:Bump", "description": "bumps"}]},
        "tags": {}, "license": "MIT", "readme": "./README.md",
    }))  # fmt: skip
    return package


@pytest.fixture
def bumping_applier(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand in for a data-changing effect: raise the contact point's rank (an UPDATED event)."""

    def bump(data: dict[str, Any], actor: Actor) -> str:
        point = PatientContactPoint.objects.get(id=data["contact_point_id"])
        update_contact_point(actor=actor, contact_point=point, rank=point.rank + 1)
        return "bumped"

    monkeypatch.setitem(appliers.APPLIERS, "UPDATE_PATIENT", bump)


def _drain() -> int:
    rounds = 0
    while dispatch_pending():
        rounds += 1
        assert rounds < 50, "the outbox never empties: a loop"
    return rounds


def test_a_handler_is_never_retriggered_by_its_own_effect(
    runner: Any, install: Any, alice: Any, tmp_path: Path, bumping_applier: None
) -> None:
    install(_plugin(tmp_path, "bumper"))
    point = add_contact_point(actor=Actor.system("tests"), patient=alice, system="email", value="a@home.example")
    update_contact_point(actor=Actor.system("tests"), contact_point=point, use="work")

    _drain()

    point.refresh_from_db()
    assert point.rank == 2  # bumped once, not forever
    caused = OutboxEvent.objects.get(name="PATIENT_CONTACT_POINT_UPDATED", source="plugin:bumper")
    assert (caused.caused_by, caused.depth) == (["bumper:bumper.handlers.bump:Bump"], 1)
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()


def test_a_chain_across_plugins_stops_at_the_depth_limit(
    runner: Any, install: Any, alice: Any, tmp_path: Path, bumping_applier: None, settings: Any
) -> None:
    settings.PLUGIN_MAX_CHAIN_DEPTH = 3
    for name in ("bumper_a", "bumper_b", "bumper_c", "bumper_d", "bumper_e"):
        install(_plugin(tmp_path, name))
    point = add_contact_point(actor=Actor.system("tests"), patient=alice, system="email", value="a@home.example")
    update_contact_point(actor=Actor.system("tests"), contact_point=point, use="work")

    _drain()

    depths = sorted(OutboxEvent.objects.filter(name="PATIENT_CONTACT_POINT_UPDATED").values_list("depth", flat=True))
    assert max(depths) == 3  # events are still recorded, but past depth 3 nobody is asked again
    point.refresh_from_db()
    assert point.rank == 1 + len([d for d in depths if d > 0])
