"""Delivering events to consumers: each consumer handles an event once; one that raises is
retried later with growing backoff while the others are not re-run; after EVENTS_MAX_ATTEMPTS the
event is marked failed and left alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from frontdesk.events.models import OutboxEvent
from frontdesk.events.services import dispatch_pending, register_consumer, unregister_consumer
from frontdesk.events.tests.conftest import T0, make_events

pytestmark = pytest.mark.django_db


class Recorder:
    """A consumer that remembers what it saw and fails while `failures` is positive."""

    def __init__(self, failures: int = 0) -> None:
        self.seen: list[tuple[str, str]] = []
        self.failures = failures

    def __call__(self, event: OutboxEvent) -> None:
        self.seen.append((event.name, event.target_id))
        if self.failures:
            self.failures -= 1
            raise ConnectionError("webhook endpoint refused the connection")


def test_it_hands_each_event_to_every_consumer_once_in_registration_order(clock: Any) -> None:
    calls: list[str] = []
    register_consumer("plugins", lambda e: calls.append(f"plugins:{e.target_id[-1]}"))
    register_consumer("webhooks", lambda e: calls.append(f"webhooks:{e.target_id[-1]}"))
    make_events(2)

    assert dispatch_pending() == 2
    assert dispatch_pending() == 0

    assert calls == ["plugins:0", "webhooks:0", "plugins:1", "webhooks:1"]
    for event in OutboxEvent.objects.all():
        assert (event.processed_at, event.failed, event.attempts) == (T0, False, 1)
        assert event.delivered_to == ["plugins", "webhooks"]
        assert event.last_error == ""


def test_it_retries_only_the_consumer_that_failed_with_growing_backoff(clock: Any) -> None:
    good, flaky = Recorder(), Recorder(failures=2)
    register_consumer("good", good)
    register_consumer("flaky", flaky)
    [event] = make_events(1)

    dispatch_pending()
    event.refresh_from_db()
    assert event.processed_at is None
    assert (event.attempts, event.delivered_to) == (1, ["good"])
    assert "flaky" in event.last_error and "refused the connection" in event.last_error
    assert event.claimed_at is None
    assert event.available_at == T0 + timedelta(seconds=2)

    clock.move_to(T0 + timedelta(seconds=1))
    assert dispatch_pending() == 0  # still backing off

    clock.move_to(T0 + timedelta(seconds=2))
    dispatch_pending()
    event.refresh_from_db()
    assert event.attempts == 2
    assert event.available_at == T0 + timedelta(seconds=2 + 4)

    clock.move_to(T0 + timedelta(seconds=6))
    dispatch_pending()
    event.refresh_from_db()
    assert event.processed_at == T0 + timedelta(seconds=6)
    assert (event.attempts, event.failed, event.last_error) == (3, False, "")
    assert event.delivered_to == ["good", "flaky"]
    assert len(good.seen) == 1
    assert len(flaky.seen) == 3


def test_it_marks_an_event_failed_after_the_maximum_attempts(clock: Any, settings: Any) -> None:
    settings.EVENTS_MAX_ATTEMPTS = 3
    broken = Recorder(failures=99)
    register_consumer("broken", broken)
    [event] = make_events(1)

    for _ in range(10):
        dispatch_pending()
        clock.shift(timedelta(hours=2))

    event.refresh_from_db()
    assert event.failed
    assert event.attempts == 3
    assert event.processed_at is not None
    assert "ConnectionError" in event.last_error
    assert len(broken.seen) == 3


def test_it_keeps_delivering_other_events_while_one_backs_off(clock: Any) -> None:
    def picky(event: OutboxEvent) -> None:
        if event.target_id.endswith("0"):
            raise ValueError("cannot handle patient 0")

    register_consumer("picky", picky)
    first, second = make_events(2)

    dispatch_pending()

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.processed_at is None
    assert second.processed_at == T0


def test_it_marks_events_processed_when_nobody_listens(clock: Any) -> None:
    make_events(3)

    assert dispatch_pending() == 3

    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()


def test_it_stops_calling_an_unregistered_consumer(clock: Any) -> None:
    gone = Recorder()
    register_consumer("gone", gone)
    unregister_consumer("gone")
    make_events(1)

    dispatch_pending()

    assert gone.seen == []
