"""Workers claim outbox events with a conditional UPDATE: each due event goes to exactly one
claimer, and an event whose claimer died is taken over once the lease runs out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from frontdesk.events.models import OutboxEvent
from frontdesk.events.services import claim_batch, deliver
from frontdesk.events.tests.conftest import T0, make_events

pytestmark = pytest.mark.django_db


def test_it_gives_each_event_to_one_claimer(clock: Any) -> None:
    events = make_events(3)

    first_token, first = claim_batch()
    second_token, second = claim_batch()

    assert first == events
    assert second == []
    assert first_token != second_token
    assert set(OutboxEvent.objects.values_list("claim_token", flat=True)) == {first_token}
    assert set(OutboxEvent.objects.values_list("claimed_at", flat=True)) == {T0}


def test_it_splits_a_backlog_between_claimers_by_limit(clock: Any) -> None:
    events = make_events(5)

    _, first = claim_batch(limit=2)
    _, second = claim_batch(limit=2)
    _, third = claim_batch(limit=2)

    assert (first, second, third) == (events[:2], events[2:4], events[4:])


def test_it_hands_an_event_to_one_claimer_even_when_both_saw_it_unclaimed(
    clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers read the same candidates; only the first UPDATE wins each row."""
    events = make_events(2)
    _, winner = claim_batch()

    stale = OutboxEvent.objects.filter(pk__in=[e.pk for e in events])
    monkeypatch.setattr(type(OutboxEvent.objects), "claimable", lambda self, **kwargs: stale)
    _, loser = claim_batch()

    assert winner == events
    assert loser == []


def test_it_leaves_events_that_are_not_due_yet(clock: Any) -> None:
    [event] = make_events(1)
    OutboxEvent.objects.filter(pk=event.pk).update(available_at=T0 + timedelta(seconds=30))

    assert claim_batch()[1] == []
    clock.move_to(T0 + timedelta(seconds=30))
    assert claim_batch()[1] == [event]


def test_it_lets_another_worker_take_over_when_the_lease_runs_out(clock: Any, settings: Any) -> None:
    settings.EVENTS_CLAIM_LEASE_SECONDS = 60
    [event] = make_events(1)
    dead_token, [_] = claim_batch()  # ... and then this worker dies.

    clock.move_to(T0 + timedelta(seconds=59))
    assert claim_batch()[1] == []

    clock.move_to(T0 + timedelta(seconds=61))
    live_token, [taken_over] = claim_batch()

    assert taken_over == event
    assert live_token != dead_token
    assert taken_over.claimed_at == T0 + timedelta(seconds=61)
    deliver(taken_over, token=live_token)
    event.refresh_from_db()
    assert event.processed_at == T0 + timedelta(seconds=61)


def test_it_ignores_a_late_finish_from_a_worker_that_lost_its_lease(clock: Any, settings: Any) -> None:
    settings.EVENTS_CLAIM_LEASE_SECONDS = 60
    [event] = make_events(1)
    slow_token, [slow_copy] = claim_batch()
    clock.move_to(T0 + timedelta(seconds=61))
    fast_token, [fast_copy] = claim_batch()

    deliver(slow_copy, token=slow_token)  # the slow worker wakes up and tries to finish
    event.refresh_from_db()
    assert event.processed_at is None
    assert event.claim_token == fast_token

    deliver(fast_copy, token=fast_token)
    event.refresh_from_db()
    assert event.processed_at is not None
    assert event.attempts == 1


def test_it_never_claims_a_processed_event_again(clock: Any, settings: Any) -> None:
    make_events(1)
    token, [claimed] = claim_batch()
    deliver(claimed, token=token)

    clock.move_to(T0 + timedelta(seconds=settings.EVENTS_CLAIM_LEASE_SECONDS * 10))

    assert claim_batch()[1] == []
