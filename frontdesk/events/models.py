"""The outbox table."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxEventQuerySet(models.QuerySet["OutboxEvent"]):
    def claimable(self, *, now: datetime, lease: timedelta) -> OutboxEventQuerySet:
        """Events due now that nobody holds (never claimed, or the claim's lease ran out)."""
        return self.filter(processed_at__isnull=True, available_at__lte=now).filter(
            Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - lease)
        )


class OutboxEvent(models.Model):
    """One domain event with the Canvas event name, target and context of the reference."""

    name = models.CharField(max_length=100, db_index=True, help_text="Canvas EventType name, e.g. PATIENT_CREATED")
    target_id = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    context = models.JSONField(default=dict, blank=True)
    actor_id = models.CharField(max_length=64, blank=True, help_text="CanvasUser dbid of who caused it")
    source = models.CharField(max_length=200, blank=True, help_text="What caused it: a request, a plugin, the system")
    # Loop protection: the plugin handlers whose effects led to this event, directly or through a
    # chain, and how long that chain is. Those handlers never receive it; past a depth nobody does.
    caused_by = models.JSONField(default=list, blank=True)
    depth = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    failed = models.BooleanField(default=False, help_text="Gave up after the maximum attempts")
    attempts = models.PositiveIntegerField(default=0)
    delivered_to = models.JSONField(default=list, blank=True, help_text="Consumers that have handled it")
    last_error = models.TextField(blank=True)

    objects = OutboxEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["available_at"],
                condition=Q(processed_at__isnull=True),
                name="outbox_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.target_type}:{self.target_id}"
