"""CanvasUser and the records behind invites, resets and sign-in throttling."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac


class CanvasUserManager(BaseUserManager["CanvasUser"]):
    def create_user(self, email: str | None = None, password: str | None = None, **extra: Any) -> CanvasUser:
        user = self.model(email=(email or "").strip().lower() or None, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> CanvasUser:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> CanvasUser:
        return self.get(email=(username or "").strip().lower())


class CanvasUser(AbstractBaseUser, PermissionsMixin):
    """A person who can sign in: staff (back office) or a patient (portal).

    `email` and `phone_number` are the portal login names and the addresses invites and resets
    go to; they need not match the patient's contact points. Both are unique; at least one is set.
    """

    dbid = models.BigAutoField(primary_key=True)
    email = models.EmailField(unique=True, null=True, blank=True)
    phone_number = models.CharField(
        max_length=20, unique=True, null=True, blank=True, help_text="E.164, e.g. +15551234567"
    )
    is_staff = models.BooleanField(default=False, help_text="Can sign in to the back office.")
    is_active = models.BooleanField(default=True)
    is_portal_registered = models.BooleanField(default=False, help_text="Activated their portal account.")
    last_invite_date_time = models.DateTimeField(null=True, blank=True)
    portal_activated_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)
    session_epoch = models.PositiveIntegerField(default=0, help_text="Raised to end every session of this user.")
    is_demo = models.BooleanField(
        default=False,
        help_text="Created by `frontdesk demo`; refused unless demo accounts are allowed.",
    )

    objects = CanvasUserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "user"
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=True) | Q(email=Lower("email")),
                name="user_email_lowercase",
            ),
            models.CheckConstraint(
                condition=Q(phone_number__isnull=True) | Q(phone_number__startswith="+"),
                name="user_phone_e164",
            ),
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(phone_number__isnull=False),
                name="user_has_login_name",
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.phone_number or f"user {self.dbid}"

    @property
    def audit_label(self) -> str:
        return f"{'staff' if self.is_staff else 'patient'}:{self}"

    @property
    def person_subclass(self) -> Any:
        """The Staff or Patient this user belongs to (Canvas's name), or None."""
        for name in ("staff", "patient"):
            try:
                return getattr(self, name)
            except models.ObjectDoesNotExist:
                continue
        return None

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django ends sessions whose stored hash no longer matches. Mixing in session_epoch lets
        # "log out everywhere" end them all without changing the password.
        return salted_hmac(
            "frontdesk.accounts.session",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class AccountTokenQuerySet(models.QuerySet["AccountToken"]):
    def usable(self, now: datetime) -> AccountTokenQuerySet:
        return self.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


class AccountToken(models.Model):
    """A single-use, expiring link sent to a user: an invite or a password reset.

    Only the SHA-256 digest of the token is stored; the token itself exists only in the message.
    """

    class Purpose(models.TextChoices):
        INVITE = "invite"
        PASSWORD_RESET = "password_reset"  # noqa: S105

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    user = models.ForeignKey(CanvasUser, on_delete=models.CASCADE, related_name="account_tokens")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AccountTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="token_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} for {self.user} via {self.channel}"


class LoginFailure(models.Model):
    """One failed sign-in (or reset request), keyed by a digest of the login name or client address."""

    class Scope(models.TextChoices):
        ACCOUNT = "account"
        ADDRESS = "address"
        RESET = "reset"  # self-service reset requests, limited per login name

    scope = models.CharField(max_length=8, choices=Scope.choices)
    key_digest = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["scope", "key_digest", "at"], name="login_failure_lookup")]

    def __str__(self) -> str:
        return f"{self.scope} failure at {self.at:%Y-%m-%d %H:%M:%S}"
