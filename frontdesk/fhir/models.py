"""OAuth clients and the access tokens issued to them. Secrets and tokens are stored only as
hashes: a database dump cannot be replayed against the API."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q

from frontdesk.clinic.models import Patient
from frontdesk.fhir.scopes import (
    ALL,
    SCOPE_FORMS,
    SYSTEM,
    InvalidScope,
    Scope,
    describe,
    in_context,
    parse_scopes,
)

#: Canvas's token lifetime (expires_in: 36000).
TOKEN_LIFETIME = timedelta(hours=10)

#: How long an authorization code can be exchanged (RFC 6749 §4.1.2: short, "10 minutes maximum").
CODE_LIFETIME = timedelta(minutes=5)

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


def new_client_id() -> str:
    return secrets.token_hex(20)


def token_digest(raw: str) -> str:
    """Return the SHA-256 hex digest a token is stored and looked up by."""
    return hashlib.sha256(raw.encode()).hexdigest()


def validate_scopes(value: str) -> None:
    try:
        scopes = parse_scopes(value)
    except InvalidScope as exc:
        raise ValidationError(f"“{exc}” is not a scope of the form {SCOPE_FORMS}.") from None
    if not scopes:
        raise ValidationError("Give at least one scope (system/*.* for everything).")


def check_redirect_uri(uri: str) -> None:
    """Raise ValidationError unless `uri` may be registered: absolute, no fragment, and https,
    http on a loopback host, or a native app's private-use scheme (RFC 8252 §7, `com.example.app:/cb`)."""
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if parts.fragment or "#" in uri:
        raise ValidationError(f"“{uri}” has a fragment: a redirect URI must not.")
    if scheme == "https" and parts.hostname:
        return
    if scheme == "http" and parts.hostname in _LOOPBACK:
        return
    if "." in scheme and scheme not in ("javascript", "data", "file", "vbscript"):
        return
    raise ValidationError(
        f"“{uri}” is not a redirect URI this server accepts: use https, http://localhost or a private-use "
        "scheme such as com.example.app:/callback."
    )


def validate_redirect_uris(value: str) -> None:
    for uri in value.split():
        check_redirect_uri(uri)


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
    is_public = models.BooleanField(
        "public client",
        default=False,
        help_text="A public client (an app on a phone or in a browser) has no secret: it gets tokens only through "
        "the authorization code flow with PKCE, for the patient who signs in and approves it. It cannot have "
        "system/ scopes.",
    )
    redirect_uris = models.TextField(
        "redirect URIs",
        blank=True,
        validators=[validate_redirect_uris],
        help_text="One per line; matched exactly. Needed for the authorization code flow (patient-facing apps).",
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

    def clean(self) -> None:
        try:
            scopes = self.scopes
        except InvalidScope:
            return  # the field validator reports it
        if self.is_public and in_context(scopes, SYSTEM):
            raise ValidationError(
                {"allowed_scopes": "A public client cannot have system/ scopes: use patient/ scopes."}
            )

    @property
    def scopes(self) -> tuple[Scope, ...]:
        return parse_scopes(self.allowed_scopes)

    @property
    def redirect_uri_list(self) -> list[str]:
        return self.redirect_uris.split()

    def has_redirect_uri(self, uri: str) -> bool:
        """Return True when `uri` is registered, compared exactly (RFC 6749 §3.1.2.3, simple string comparison)."""
        return uri in self.redirect_uri_list

    def check_secret(self, secret: str) -> bool:
        return not self.is_public and check_password(secret, self.secret_hash)


class AuthorizationCode(models.Model):
    """One authorization code (RFC 6749 §4.1), stored as a digest: single-use, short-lived and bound to
    the client, the redirect URI, the PKCE challenge and the patient whose portal user approved it."""

    dbid = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="codes")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    redirect_uri = models.TextField()
    code_challenge = models.CharField(max_length=128)
    scope = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created")), name="code_expires_after_issue"),
        ]

    def __str__(self) -> str:
        return f"{self.client} code {self.digest[:8]}…"


@dataclass(frozen=True)
class Bearer:
    """What an API request needs of its usable access token: who it was issued to, what it may
    do, and the patient it is bound to (None: a system token)."""

    client_id: str
    scopes: tuple[Scope, ...]
    patient_id: str | None


class AccessTokenQuerySet(models.QuerySet["AccessToken"]):
    def bearer(self, digest: str, now: datetime) -> Bearer | None:
        """Return the token with this digest if it is usable — not expired, not revoked, its client
        active and its bound patient and approving user (if any) active (`AccessToken.is_live`
        plus expiry and revocation) — or None. One plain query: every API request runs it, and
        the ORM's compiling cost more than the lookup."""
        token, client, patient = AccessToken._meta, OAuthClient._meta, Patient._meta
        user = AccessToken._meta.get_field("user").related_model._meta  # type: ignore[union-attr]
        quote = connection.ops.quote_name
        sql = (
            f"SELECT t.scope, c.client_id, p.{quote(patient.get_field('id').column)} "  # noqa: S608 (only placeholders are interpolated)
            f"FROM {quote(token.db_table)} t JOIN {quote(client.db_table)} c ON c.dbid = t.client_id "
            f"LEFT JOIN {quote(patient.db_table)} p ON p.dbid = t.patient_id "
            f"LEFT JOIN {quote(user.db_table)} u ON u.{quote(user.pk.column)} = t.user_id "
            "WHERE t.digest = %s AND t.revoked_at IS NULL AND t.expires_at > %s AND c.is_active "
            "AND (t.patient_id IS NULL OR p.active) AND (t.user_id IS NULL OR u.is_active)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [digest, connection.ops.adapt_datetimefield_value(now)])
            row = cursor.fetchone()
        if row is None:
            return None
        return Bearer(client_id=row[1], scopes=parse_scopes(row[0]), patient_id=row[2])

    def grants(self, patient: Patient, now: datetime) -> AccessTokenQuerySet:
        """The patient's live app grants: tokens issued through the patient's own approval (the
        authorization code flow sets `user`) that are not revoked, whose client, patient and
        approving user are active, and whose access token is unexpired or refresh token unused."""
        return self.filter(
            Q(expires_at__gt=now) | Q(refresh_digest__isnull=False, refresh_used_at__isnull=True),
            patient=patient,
            patient__active=True,
            user__isnull=False,
            user__is_active=True,
            revoked_at__isnull=True,
            client__is_active=True,
        )


class AccessToken(models.Model):
    dbid = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    client = models.ForeignKey(OAuthClient, on_delete=models.CASCADE, related_name="tokens")
    scope = models.TextField(help_text="The space-separated scopes granted.")
    patient = models.ForeignKey(
        Patient,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The patient a patient-scoped token is bound to: it reaches only this patient's data.",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The portal user who approved the app (authorization code flow).",
    )
    authorization_code = models.ForeignKey(
        AuthorizationCode, on_delete=models.SET_NULL, null=True, blank=True, related_name="tokens"
    )
    refresh_digest = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    refresh_used_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created")), name="token_expires_after_issue"),
            models.CheckConstraint(
                condition=Q(user__isnull=True) | Q(patient__isnull=False), name="token_user_has_patient"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} token {self.digest[:8]}…"

    @property
    def scopes(self) -> tuple[Scope, ...]:
        return parse_scopes(self.scope)

    def is_live(self) -> bool:
        """The client, the bound patient and the approving user are all still active (expiry aside)."""
        if not self.client.is_active:
            return False
        if self.patient is not None and not self.patient.active:
            return False
        return self.user is None or self.user.is_active


@dataclass(frozen=True)
class ConnectedApp:
    """One app a patient approved that can still reach their record (its live grants taken together)."""

    client_id: str
    name: str
    approved: datetime  # when the patient approved the earliest live grant
    last_issued: datetime  # when the app was last given an access token (a code exchange or a refresh)
    scopes: tuple[Scope, ...]  # everything its live grants carry, in the order first granted

    @property
    def permissions(self) -> list[str]:
        """What the app may do, in the plain words of the approval page."""
        return describe(self.scopes)


def connected_apps(patient: Patient, *, now: datetime) -> list[ConnectedApp]:
    """Return the apps with live grants to `patient` (`AccessTokenQuerySet.grants`), one per client,
    by name; in one query, however many apps and tokens."""
    rows = (
        AccessToken.objects.grants(patient, now)
        .order_by("created", "dbid")
        .values_list("client__client_id", "client__name", "scope", "created", "authorization_code__created")
    )
    apps: dict[str, ConnectedApp] = {}
    for client_id, name, scope, created, approved in rows:
        approved = approved or created
        seen = apps.get(client_id)
        if seen is None:
            apps[client_id] = ConnectedApp(client_id, name, approved, created, parse_scopes(scope))
            continue
        scopes = seen.scopes + tuple(s for s in parse_scopes(scope) if s not in seen.scopes)
        apps[client_id] = ConnectedApp(client_id, name, min(seen.approved, approved), created, scopes)
    return sorted(apps.values(), key=lambda app: (app.name.casefold(), app.client_id))


def approved_client(patient: Patient, client_id: str) -> OAuthClient | None:
    """Return the client `client_id` names if `patient` ever approved it (a code or a token issued
    through their approval, live or not), else None: nobody learns of other patients' apps."""
    if not 0 < len(client_id) <= 64 or not all(" " <= c <= "~" for c in client_id):
        return None  # not a client_id (RFC 6749 VSCHARs); PostgreSQL refuses NUL in a query
    return (
        OAuthClient.objects.filter(client_id=client_id)
        .filter(
            Exists(AuthorizationCode.objects.filter(client=OuterRef("pk"), patient=patient))
            | Exists(AccessToken.objects.filter(client=OuterRef("pk"), patient=patient, user__isnull=False))
        )
        .first()
    )


class ClientAuthFailure(models.Model):
    """One failed client authentication at the token or authorize endpoint, keyed by a digest of the
    client_id or of the client address (the design of `accounts.LoginFailure`)."""

    class Scope(models.TextChoices):
        CLIENT = "client"
        ADDRESS = "address"

    scope = models.CharField(max_length=8, choices=Scope.choices)
    key_digest = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["scope", "key_digest", "at"], name="client_auth_failure_lookup")]

    def __str__(self) -> str:
        return f"{self.scope} failure at {self.at:%Y-%m-%d %H:%M:%S}"
