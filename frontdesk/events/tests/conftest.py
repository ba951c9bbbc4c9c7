"""Outbox fixtures: a clean consumer registry per test and a helper that writes due events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import transaction

from frontdesk.events import services
from frontdesk.events.models import OutboxEvent

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_consumers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test registers exactly the consumers it needs."""
    monkeypatch.setattr(services, "_consumers", {})


@pytest.fixture
def clock() -> Iterator[Any]:
    """Time stands still at T0 until the test moves it (`clock.move_to(...)`)."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def make_events(count: int, name: str = "PATIENT_UPDATED") -> list[OutboxEvent]:
    with transaction.atomic():
        return [services.record_event(name=name, target=f"{i:032x}", target_type="Patient") for i in range(count)]
