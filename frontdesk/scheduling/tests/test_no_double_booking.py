"""Concurrent clients racing for one slot: exactly one booking per round, never an overlap.

On PostgreSQL the exclusion constraint decides (50 clients x 100 rounds, as the issue asks); on
SQLite the write-locked transaction serialises the bookings (a smaller race: SQLite is one file).
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from frontdesk.audit.services import Actor
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Appointment

pytestmark = pytest.mark.django_db(transaction=True)

FIRST = datetime(2027, 1, 4, 9, 0, tzinfo=ZoneInfo("America/New_York"))


def _race(*, clients: int, rounds: int, patient: Any, provider: Any, note_type: Any) -> Counter[str]:
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(clients)
    actor = Actor.system("race")

    def client(index: int) -> None:
        try:
            for round_ in range(rounds):
                start = FIRST + timedelta(minutes=30 * round_)
                barrier.wait()
                try:
                    services.book_appointment(
                        actor=actor,
                        patient=patient,
                        provider=provider,
                        location=None,
                        note_type=note_type,
                        start_time=start,
                    )
                    outcome = f"booked {round_}"
                except services.SlotUnavailable:
                    outcome = "refused"
                except Exception as exc:  # e.g. the database refusing a connection: show it, keep racing
                    outcome = f"error {type(exc).__name__}: {exc}"
                with lock:
                    outcomes[outcome] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return outcomes


def _assert_no_overlaps(provider: Any) -> None:
    live = list(Appointment.objects.live().filter(provider=provider).order_by("start_time"))
    for earlier, later in itertools.pairwise(live):
        assert earlier.end_time <= later.start_time, (earlier, later)


def test_one_booking_per_round(alice: Any, dr_patel: Any, office_visit: Any) -> None:
    clients, rounds = (50, 100) if connection.vendor == "postgresql" else (8, 15)

    outcomes = _race(clients=clients, rounds=rounds, patient=alice, provider=dr_patel, note_type=office_visit)

    assert not [k for k in outcomes if k.startswith("error")], outcomes
    assert {k: v for k, v in outcomes.items() if k.startswith("booked")} == {f"booked {r}": 1 for r in range(rounds)}
    assert outcomes["refused"] == (clients - 1) * rounds
    assert Appointment.objects.count() == rounds
    _assert_no_overlaps(dr_patel)


def test_overlapping_but_different_starts_race_too(alice: Any, dr_patel: Any, office_visit: Any) -> None:
    """Clients asking for 09:00, 09:10 and 09:20 (all overlapping a 30-minute visit): one wins."""
    actor = Actor.system("race")
    barrier = threading.Barrier(6)
    won: list[datetime] = []

    def client(offset: int) -> None:
        try:
            barrier.wait()
            services.book_appointment(
                actor=actor,
                patient=alice,
                provider=dr_patel,
                location=None,
                note_type=office_visit,
                start_time=FIRST + timedelta(minutes=offset),
            )
            won.append(FIRST + timedelta(minutes=offset))
        except services.SlotUnavailable:
            pass
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client, args=(offset,)) for offset in (0, 10, 20, 0, 10, 20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(won) == 1
    _assert_no_overlaps(dr_patel)
