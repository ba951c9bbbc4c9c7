"""Hostile plugins are stopped within their limits, their effects dropped and logged, and the
other plugins (and the portal) keep answering; a dead worker is replaced."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from frontdesk.plugins import client
from frontdesk.plugins.logs import read_log
from frontdesk.plugins.tests.conftest import FIXTURES

pytestmark = pytest.mark.django_db(transaction=True)

FORMS = client.EventSpec(name="PATIENT_PORTAL__GET_FORMS", target="x" * 32, target_type="Patient")
CANCEL = client.EventSpec(
    name="PATIENT_PORTAL__APPOINTMENT_CAN_BE_CANCELED",
    target="0b7c2a64-5f1e-4d3a-8c9b-2e4f6a8d0c1e",
    target_type="Appointment",
)


def _timed(events: list[client.EventSpec]) -> tuple[list[list[client.EffectData]], float]:
    started = time.monotonic()
    answers = client.ask_or_raise(events, timeout=10)
    return answers, time.monotonic() - started


def _messages(plugin: str) -> str:
    return "\n".join(r["message"] for r in read_log(plugin))


def test_it_stops_an_infinite_loop_and_a_memory_bomb_and_still_answers(
    runner: Any, install: Any, settings: Any
) -> None:
    for name in ("good", "infinite_loop", "memory_bomb"):
        install(FIXTURES / name)

    [effects], elapsed = _timed([FORMS])

    assert [(e.plugin, e.type) for e in effects] == [("good", "PATIENT_PORTAL__FORM_RESULT")]
    assert elapsed < 3 * settings.PLUGIN_TIMEOUT_MS / 1000 + 2  # both stopped within their limits
    assert "handler failed, its effects were dropped: LimitExceeded" in _messages("infinite_loop")
    # Stopped by the address-space limit (MemoryError) or, on a slow machine, by the CPU limit first.
    assert re.search(r"dropped: (MemoryError|LimitExceeded)", _messages("memory_bomb"))
    [again], _ = _timed([FORMS])  # the workers survived
    assert [e.plugin for e in again] == ["good"]


def test_it_drops_a_huge_answer(runner: Any, install: Any) -> None:
    install(FIXTURES / "good")
    install(FIXTURES / "huge_output")

    [effects], _ = _timed([CANCEL])

    assert [e.plugin for e in effects] == ["good"]
    # 50 MB of JSON: refused by the output cap, or by the CPU limit while building it.
    assert "handler failed, its effects were dropped: LimitExceeded" in _messages("huge_output")


def test_it_caps_the_size_of_an_answer(runner: Any, install: Any, tmp_path: Path, settings: Any) -> None:
    package = tmp_path / "chatty"
    (package / "handlers").mkdir(parents=True)
    (package / "handlers" / "__init__.py").write_text("")
    (package / "handlers" / "main.py").write_text(
        "import json\n"
        "from canvas_sdk.effects import Effect, EffectType\n"
        "from canvas_sdk.handlers.base import BaseHandler\n\n\n"
        "class Chatty(BaseHandler):\n"
        "    RESPONDS_TO = 'PATIENT_PORTAL__APPOINTMENT_CAN_BE_CANCELED'\n\n"
        "    def compute(self):\n"
        f"        return [Effect(type=EffectType.PATIENT_PORTAL__APPOINTMENT_IS_CANCELABLE, payload=json.dumps({{'result': 'x' * {settings.PLUGIN_MAX_OUTPUT_KB * 1024 + 1}}}))]\n"
    )
    (package / "CANVAS_MANIFEST.json").write_text(json.dumps({
        "sdk_version": "0.1.4", "plugin_version": "1.0.0", "name": "chatty", "description": "too much",
        "components": {"handlers": [{"class": "chatty.handlers.main:Chatty", "description": "too much"}]},
        "tags": {}, "license": "MIT", "readme": "./README.md",
    }))  # fmt: skip
    install(FIXTURES / "good")
    install(package)

    [effects], _ = _timed([CANCEL])

    assert [e.plugin for e in effects] == ["good"]
    assert f"returned more than {settings.PLUGIN_MAX_OUTPUT_KB} KiB of effects" in _messages("chatty")


def test_it_replaces_a_worker_that_dies(runner: Any, install: Any) -> None:
    install(FIXTURES / "good")
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(runner.pid)], capture_output=True, text=True, check=True
    )
    for pid in children.stdout.split():
        os.kill(int(pid), signal.SIGKILL)
    time.sleep(0.5)

    [effects], _ = _timed([CANCEL])

    assert [e.plugin for e in effects] == ["good"]


def test_the_portal_uses_its_defaults_when_the_runner_is_down(runner: Any, install: Any, alice: Any) -> None:
    install(FIXTURES / "good")
    runner.terminate()
    runner.wait(10)
    web = Client()
    web.force_login(alice.user, backend="frontdesk.accounts.backends.IdentifierBackend")

    response = web.get("/")

    assert response.status_code == 200
    assert "Upcoming appointments" in response.content.decode()
    with pytest.raises(client.RunnerUnavailable):
        client.ask_or_raise([CANCEL], timeout=1)
