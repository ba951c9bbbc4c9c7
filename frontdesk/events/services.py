"""Record domain events and dispatch them to consumers.

`record_event` runs inside the caller's transaction. `dispatch_pending` is what the worker calls
in a loop: it claims a batch (an `UPDATE ... WHERE unclaimed` that only one worker can win per
row), hands each event to every registered consumer that has not yet handled it, and either marks
it processed or schedules a retry with backoff.
"""

from __future__ import annotations

import contextvars
import logging
import secrets
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from frontdesk.audit.services import Actor
from frontdesk.events.models import OutboxEvent

log = logging.getLogger(__name__)

Consumer = Callable[[OutboxEvent], None]


@dataclass(frozen=True)
class Causation:
    """Set while a plugin's effects are applied: events recorded meanwhile carry the chain."""

    handlers: tuple[str, ...]  # "plugin:package.module:Class" refs, outermost first
    depth: int


_causation: contextvars.ContextVar[Causation | None] = contextvars.ContextVar("frontdesk_causation", default=None)


@contextmanager
def caused_by(causation: Causation) -> Iterator[None]:
    """Record every event written inside this block as caused by `causation`."""
    token = _causation.set(causation)
    try:
        yield
    finally:
        _causation.reset(token)


_consumers: dict[str, Consumer] = {}


def register_consumer(name: str, consumer: Consumer) -> None:
    """Add (or replace) a consumer. Consumers are called in registration order."""
    _consumers[name] = consumer


def unregister_consumer(name: str) -> None:
    _consumers.pop(name, None)


def consumers() -> dict[str, Consumer]:
    return dict(_consumers)


def record_event(
    *,
    name: str,
    target: Any,
    target_type: str,
    context: dict[str, Any] | None = None,
    actor: Actor | None = None,
) -> OutboxEvent:
    """Write one event to the outbox in the current transaction and return it.

    `target` is the target's id (or an instance, whose `.id` is used); `target_type` is the
    Canvas model name (e.g. "Patient", "PatientContactPoint").
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change it describes")
    target_id = str(getattr(target, "id", target))
    cause = _causation.get()
    return OutboxEvent.objects.create(
        name=name,
        target_id=target_id,
        target_type=target_type,
        context=context or {},
        actor_id=str(actor.user_dbid) if actor is not None and actor.user_dbid is not None else "",
        source=actor.label if actor is not None else "",
        caused_by=list(cause.handlers) if cause else [],
        depth=cause.depth if cause else 0,
    )


def claim_batch(*, limit: int = 50, now: datetime | None = None) -> tuple[str, list[OutboxEvent]]:
    """Claim up to `limit` due events for this caller; return (claim token, events)."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.EVENTS_CLAIM_LEASE_SECONDS)
    token = secrets.token_hex(8)
    candidate_ids = list(
        OutboxEvent.objects.claimable(now=now, lease=lease).order_by("id").values_list("id", flat=True)[:limit]
    )
    claimed: list[int] = []
    for pk in candidate_ids:
        won = (
            OutboxEvent.objects.filter(pk=pk, processed_at__isnull=True)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - lease))
            .update(claimed_at=now, claim_token=token)
        )
        if won == 1:
            claimed.append(pk)
    return token, list(OutboxEvent.objects.filter(pk__in=claimed).order_by("id"))


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 3600))


def deliver(event: OutboxEvent, *, token: str, now: datetime | None = None) -> bool:
    """Hand a claimed event to each consumer that has not handled it; return True when done.

    A consumer that raises is retried later (the others are not re-run). After
    EVENTS_MAX_ATTEMPTS the event is marked failed and no longer retried.
    """
    errors: list[str] = []
    delivered = list(event.delivered_to)
    for name, consumer in consumers().items():
        if name in delivered:
            continue
        try:
            consumer(event)
        except Exception:  # a consumer's failure must not stop the others
            log.exception("event %s #%s: consumer %s failed", event.name, event.pk, name)
            errors.append(f"{name}: {traceback.format_exc(limit=3)}")
        else:
            delivered.append(name)
    now = now or timezone.now()
    updates: dict[str, Any] = {"delivered_to": delivered, "attempts": event.attempts + 1}
    if not errors:
        updates |= {"processed_at": now, "last_error": ""}
    elif event.attempts + 1 >= settings.EVENTS_MAX_ATTEMPTS:
        updates |= {"processed_at": now, "failed": True, "last_error": "\n".join(errors)}
    else:
        updates |= {
            "claimed_at": None,
            "claim_token": "",
            "available_at": now + _retry_delay(event.attempts + 1),
            "last_error": "\n".join(errors),
        }
    # Only the holder of the claim may finish it: a worker whose lease ran out loses the row.
    OutboxEvent.objects.filter(pk=event.pk, claim_token=token).update(**updates)
    return not errors


def dispatch_pending(*, limit: int = 50) -> int:
    """Claim and deliver one batch; return how many events were handled."""
    token, batch = claim_batch(limit=limit)
    for event in batch:
        deliver(event, token=token)
    return len(batch)
