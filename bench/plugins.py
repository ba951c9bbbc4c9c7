"""Cost of asking plugins: a synchronous portal question with 1 and 10 handlers (p50/p99 of one
batched round trip), and what plugins add to the landing page and to a 20-card appointment list.

Targets (issue 3): at most 1 ms p50 per batched round trip; at most 15 ms added to a page.
Runs against a throwaway SQLite database and a real runner process.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 300
PAGE_ROUNDS = 100

HANDLER = """import json
from canvas_sdk.effects import Effect, EffectType
from canvas_sdk.events import EventType
from canvas_sdk.protocols import BaseProtocol

FIRST = {first}

class Protocol(BaseProtocol):
    RESPONDS_TO = [
        EventType.Name(EventType.PATIENT_PORTAL__APPOINTMENT_CAN_BE_CANCELED),
        EventType.Name(EventType.PATIENT_PORTAL__APPOINTMENT_CAN_BE_RESCHEDULED),
        EventType.Name(EventType.PATIENT_PORTAL__APPOINTMENT_CAN_SHOW_MEETING_LINK),
        EventType.Name(EventType.PATIENT_PORTAL__WIDGET_CONFIGURATION),
    ]

    def compute(self):
        if self.event.name == "PATIENT_PORTAL__WIDGET_CONFIGURATION":
            widgets = [{"content": "<p>hi</p>", "size": "compact", "priority": 5}]
            if FIRST:  # one plugin keeps the built-in panels, so pages compare like with like
                widgets += [{"component": "appointments", "size": "expanded", "priority": 1}, {"component": "messaging", "size": "expanded", "priority": 2}]
            return [Effect(type=EffectType.PORTAL_WIDGET, payload=json.dumps({"data": w})) for w in widgets]
        return [Effect(type=EffectType.PATIENT_PORTAL__APPOINTMENT_IS_CANCELABLE, payload=json.dumps({"result": True}))]
"""


def _plugin(root: Path, index: int) -> Path:
    name = f"bench_{index:02d}"
    package = root / name
    (package / "protocols").mkdir(parents=True)
    (package / "protocols" / "__init__.py").write_text("")
    (package / "protocols" / "main.py").write_text(HANDLER.replace("{first}", str(index == 0)))
    (package / "CANVAS_MANIFEST.json").write_text(json.dumps({
        "sdk_version": "0.1.4", "plugin_version": "1.0.0", "name": name, "description": "bench",
        "components": {"protocols": [{"class": f"{name}.protocols.main:Protocol", "description": "bench"}]},
        "tags": {}, "license": "MIT", "readme": "./README.md",
    }))  # fmt: skip
    return package


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run() -> str:
    var = Path(tempfile.mkdtemp(prefix="fdb", dir="/tmp"))
    os.environ.update(
        {
            "FRONTDESK_VAR_DIR": str(var),
            "DJANGO_SETTINGS_MODULE": "frontdesk.settings",
            "FRONTDESK_LOG_LEVEL": "WARNING",
            "FRONTDESK_ALLOWED_HOSTS": "testserver",
        }
    )
    os.environ.pop("DATABASE_URL", None)
    runner = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.test import Client

        call_command("migrate", verbosity=0)
        from datetime import date, timedelta

        from django.utils import timezone

        from frontdesk.accounts.models import CanvasUser
        from frontdesk.audit.services import Actor
        from frontdesk.clinic.services import create_patient
        from frontdesk.plugins import client, hooks, registry
        from frontdesk.plugins.models import Plugin
        from frontdesk.plugins.services import install_plugin, set_plugin_enabled
        from frontdesk.scheduling.models import Appointment, NoteType

        actor = Actor.system("bench")
        patient = create_patient(actor=actor, first_name="Bench", last_name="Patient", birth_date=date(1980, 1, 1))
        user = CanvasUser.objects.create_user(
            email="bench@example.com", password="bench-password-1", is_portal_registered=True
        )
        patient.user = user
        patient.save(update_fields=["user"])
        note_type = NoteType.objects.create(name="Visit", is_scheduleable=True, online_duration=30)
        appointments = [
            Appointment.objects.create(
                patient=patient,
                note_type=note_type,
                start_time=timezone.now() + timedelta(days=i + 1),
                duration_minutes=30,
            )
            for i in range(20)
        ]
        packages = Path(tempfile.mkdtemp(prefix="fdbp", dir="/tmp"))
        plugins = [install_plugin(actor=actor, source=_plugin(packages, i), enable=False) for i in range(10)]
        runner = subprocess.Popen(
            [sys.executable, "-m", "frontdesk.plugins.runner"], env=os.environ | {"FRONTDESK_PLUGIN_WORKERS": "2"}
        )
        from django.conf import settings

        while not Path(settings.PLUGIN_RUNNER_SOCKET).exists():
            time.sleep(0.05)
        web = Client()
        web.force_login(user, backend="frontdesk.accounts.backends.IdentifierBackend")

        def enable(count: int) -> None:
            for index, plugin in enumerate(plugins):
                set_plugin_enabled(actor=actor, name=plugin.name, enabled=index < count)
            registry.forget()
            time.sleep(0.2)

        def page_ms(path: str) -> float:
            samples = []
            for _ in range(PAGE_ROUNDS):
                started = time.perf_counter()
                assert web.get(path).status_code == 200
                samples.append((time.perf_counter() - started) * 1000)
            return statistics.median(samples)

        def cards_ms() -> float:
            samples = []
            for _ in range(PAGE_ROUNDS):
                started = time.perf_counter()
                hooks.appointment_cards(appointments)
                samples.append((time.perf_counter() - started) * 1000)
            return statistics.median(samples)

        rows = []
        enable(0)
        page_ms("/")  # warm up: templates, connections, caches
        base_page, base_cards = page_ms("/"), cards_ms()
        question = [
            client.EventSpec(
                name="PATIENT_PORTAL__APPOINTMENT_CAN_BE_CANCELED",
                target=str(appointments[0].id),
                target_type="Appointment",
            )
        ]
        for count in (1, 10):
            enable(count)
            for _ in range(20):
                client.ask(question)  # warm up: every worker loads the plugins
            samples = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                [answer] = client.ask(question) or [[]]
                samples.append((time.perf_counter() - started) * 1000)
                assert len(answer) == count, answer
            page, cards = page_ms("/"), cards_ms()
            rows.append(
                (count, statistics.median(samples), _percentile(samples, 0.99), page - base_page, cards - base_cards)
            )
        lines = [
            "## Plugins: synchronous portal questions",
            "",
            f"One batched round trip to the runner ({ROUNDS} rounds), and what plugins add to the landing page and to the",
            f"60 questions of a 20-card appointment list (medians of {PAGE_ROUNDS}). SQLite, {Plugin.objects.count()} plugins installed.",
            "",
            "| handlers answering | round trip p50 | round trip p99 | added to landing page (p50) | added to 20 cards (p50) |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {c} | {p50:.2f} ms | {p99:.2f} ms | {page:+.2f} ms | {cards:+.2f} ms |"
            for c, p50, p99, page, cards in rows
        ]
        lines += ["", "Targets: round trip p50 ≤ 1 ms; added to a page ≤ 15 ms."]
        return "\n".join(lines)
    finally:
        if runner is not None:
            runner.terminate()
            runner.wait(10)
        shutil.rmtree(var, ignore_errors=True)
