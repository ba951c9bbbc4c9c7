"""OAuth clients and the access tokens issued to them. Secrets and tokens are stored only as
hashes: a database dump cannot be replayed against the API."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from frontdesk.fhir.scopes import ALL, InvalidScope, Scope, parse_scopes

#: Canvas's token lifetime (expires_in: 36000).
TOKEN_LIFETIME = timedelta(hours=10)


def new_client_id() -> str:
    return secrets.token_hex(20)


def token_digest(raw: str) -> str:
    """Return the SHA-256 hex digest a token is stored and looked up by."""
    return hashlib.sha256(raw.encode()).hexdigest()


def validate_scopes(value: str) -> None:
    try:
        scopes = parse_scopes(value)
    except InvalidScope as exc:
        raise ValidationError(f"“{exc}” is not a scope of the form system/<Type>.<read|write|*>.") from None
    if not scopes:
        raise ValidationError("Give at least one scope (system/*.* for everything).")


class OAuthClient(models.Model):
    dbid = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=200)
    client_id = models.CharField(max_length=64, unique=True, default=new_client_id, editable=False)
    secret_hash = models.CharField(max_length=256, editable=False)
    allowed_scopes = models.TextField(
        default=ALL,
        validators=[validate_scopes],
        help_text="Space-separated scopes this client may be granted, e.g. “system/Schedule.read system/Slot.read "
        "system/Appointment.*”. system/*.* grants everything.",
    )
    is_active = models.BooleanField(
        default=True, help_text="Inactive clients get no tokens and their tokens stop working."
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "OAuth client"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def scopes(self) -> tuple[Scope, ...]:
        return parse_scopes(self.allowed_scopes)

    def check_secret(self, secret: str) -> bool:
        return check_password(secret, self.secret_hash)


class AccessTokenQuerySet(models.QuerySet["AccessToken"]):
    def usable(self, now: datetime) -> AccessTokenQuerySet:
        """Tokens that are neither expired nor revoked and whose client is active."""
        return self.filter(expires_at__gt=now, revoked_at__isnull=True, client__is_active=True)


class AccessToken(models.Model):
    dbid = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="tokens")
    scope = models.TextField(help_text="The space-separated scopes granted.")
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created")), name="token_expires_after_issue"),
        ]

    def __str__(self) -> str:
        return f"{self.client} token {self.digest[:8]}…"

    @property
    def scopes(self) -> tuple[Scope, ...]:
        return parse_scopes(self.scope)

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now and self.client.is_active
