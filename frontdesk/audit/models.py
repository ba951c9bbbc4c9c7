"""The audit trail's one table."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """One thing someone did or saw. Append-only: the database refuses updates."""

    class ActorKind(models.TextChoices):
        STAFF = "staff"
        PATIENT = "patient"
        PLUGIN = "plugin"
        SYSTEM = "system"
        ANONYMOUS = "anonymous"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    # A plain id, not a foreign key: the trail must outlive the user and never be rewritten.
    actor_user_dbid = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=200, help_text="Who, as shown at the time.")
    action = models.CharField(max_length=80, db_index=True)
    patient_key = models.CharField(max_length=32, blank=True, db_index=True, help_text="Patient.id")
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=36, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["patient_key", "-at"], name="audit_patient_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"
