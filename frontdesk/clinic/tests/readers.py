"""What every service test reads back: the outbox events and the audit entries it wrote."""

from __future__ import annotations

from frontdesk.audit.models import AuditEntry
from frontdesk.events.models import OutboxEvent


def events(name: str | None = None) -> list[OutboxEvent]:
    qs = OutboxEvent.objects.order_by("id")
    return list(qs.filter(name=name) if name else qs)


def audit(action: str | None = None) -> list[AuditEntry]:
    qs = AuditEntry.objects.order_by("id")
    return list(qs.filter(action=action) if action else qs)
