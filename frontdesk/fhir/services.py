"""Every write to OAuth clients, authorization codes and tokens: keyword-only, atomic and audited.

The raw client secret, authorization code, access token and refresh token exist only in the return
value of the function that makes them; the database keeps a password hash or a SHA-256 digest.
"""

from __future__ import annotations

import base64
import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Case, DateTimeField, F, Value, When
from django.utils import timezone

from frontdesk.accounts.models import CanvasUser
from frontdesk.audit.services import Actor, record
from frontdesk.clinic.models import Patient
from frontdesk.fhir.models import (
    CODE_LIFETIME,
    TOKEN_LIFETIME,
    AccessToken,
    AuthorizationCode,
    ClientAuthFailure,
    OAuthClient,
    token_digest,
)
from frontdesk.fhir.scopes import (
    ALL,
    FHIR_USER,
    OFFLINE_ACCESS,
    OPENID,
    PATIENT,
    SYSTEM,
    Scope,
    all_covered,
    format_scopes,
    has,
    in_context,
    launch_scopes,
    parse_scopes,
)


class ScopeNotAllowed(Exception):
    """Raised when a client asks for a scope it was not registered for, or for none it may have."""


class InvalidGrant(Exception):
    """Raised when an authorization code or refresh token cannot be used (RFC 6749 `invalid_grant`);
    the message says why, for the log and the error_description."""


class ClientThrottled(Exception):
    """Raised when a client_id or a client address failed authentication too often lately."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed client authentications; retry in {retry_after} seconds.")
        self.retry_after = retry_after


@dataclass(frozen=True)
class NewClient:
    client: OAuthClient
    secret: str  # shown once, never stored


@dataclass(frozen=True)
class IssuedToken:
    token: AccessToken
    raw: str  # handed to the client once, never stored
    refresh: str = ""  # a refresh token (with offline_access only), handed over once, never stored


@dataclass(frozen=True)
class IssuedCode:
    code: AuthorizationCode
    raw: str  # sent to the redirect URI once, never stored


def _normalise_client(client: OAuthClient) -> None:
    client.full_clean()
    client.allowed_scopes = format_scopes(client.scopes)
    client.redirect_uris = "\n".join(dict.fromkeys(client.redirect_uri_list))


@transaction.atomic
def create_oauth_client(
    *, actor: Actor, name: str, allowed_scopes: str = ALL, redirect_uris: str = "", is_public: bool = False
) -> NewClient:
    """Register a client and return it with its secret (the only time the secret is available;
    a public client has none: `secret` is "").

    Raises ValidationError for a missing name, malformed or empty `allowed_scopes`, system/ scopes
    on a public client, or a redirect URI that may not be registered.
    """
    secret = "" if is_public else secrets.token_urlsafe(48)
    client = OAuthClient(
        name=name,
        secret_hash=make_password(secret or None),  # None: an unusable hash, no secret ever matches
        allowed_scopes=allowed_scopes,
        redirect_uris=redirect_uris,
        is_public=is_public,
    )
    _normalise_client(client)
    client.save()
    record(
        actor=actor,
        action="oauth_client.created",
        target=client,
        detail={"scopes": client.allowed_scopes, "public": is_public, "redirect_uris": client.redirect_uri_list},
    )
    return NewClient(client=client, secret=secret)


@transaction.atomic
def update_oauth_client(*, actor: Actor, client: OAuthClient, changed: list[str] | None = None) -> OAuthClient:
    """Save changes to a client's name, scopes, redirect URIs or active flag (the secret never
    changes here, nor whether the client is public).

    Raises ValidationError as `create_oauth_client` does.
    """
    _normalise_client(client)
    client.save()
    record(actor=actor, action="oauth_client.updated", target=client, detail={"fields": sorted(changed or [])})
    return client


def _new_token(
    *,
    actor: Actor,
    client: OAuthClient,
    scopes: tuple[Scope, ...],
    patient: Patient | None,
    user: CanvasUser | None = None,
    code: AuthorizationCode | None = None,
    how: str,
) -> IssuedToken:
    raw = secrets.token_urlsafe(32)
    refresh = secrets.token_urlsafe(32) if has(scopes, OFFLINE_ACCESS) else ""
    token = AccessToken.objects.create(
        digest=token_digest(raw),
        client=client,
        scope=format_scopes(scopes),
        patient=patient,
        user=user,
        authorization_code=code,
        refresh_digest=token_digest(refresh) if refresh else None,
        expires_at=timezone.now() + TOKEN_LIFETIME,
    )
    record(
        actor=actor,
        action="oauth_token.issued",
        patient_key=patient.id if patient is not None else "",
        target=token,
        detail={"client_id": client.client_id, "scope": token.scope, "grant": how, "refresh_token": bool(refresh)},
    )
    return IssuedToken(token=token, raw=raw, refresh=refresh)


@transaction.atomic
def issue_access_token(
    *, actor: Actor, client: OAuthClient, requested: tuple[Scope, ...] = (), patient: Patient | None = None
) -> IssuedToken:
    """Issue a 10-hour token for an authenticated, active, confidential client (client credentials).

    Without `patient`, the token carries system/ scopes; without requested scopes it gets all of
    the client's system/ scopes (Canvas: "without it the token has full access"). With `patient`,
    it is bound to that patient and carries the requested patient/ scopes, at least one.

    Raises ScopeNotAllowed when a requested scope is not covered by the client's allowed scopes,
    is of the other context, is a launch scope, or when nothing would be granted.
    """
    context = PATIENT if patient is not None else SYSTEM
    allowed = client.scopes
    if launch_scopes(requested) or in_context(requested, context) != requested:
        raise ScopeNotAllowed(format_scopes(requested))
    if not all_covered(requested, allowed):
        raise ScopeNotAllowed(format_scopes(requested))
    granted = requested or (in_context(allowed, SYSTEM) if patient is None else ())
    if not granted:
        raise ScopeNotAllowed(format_scopes(requested))
    return _new_token(actor=actor, client=client, scopes=granted, patient=patient, how="client_credentials")


def grantable_scopes(*, client: OAuthClient, requested: tuple[Scope, ...]) -> tuple[Scope, ...]:
    """Return what an app may be granted of `requested` through the authorization code flow: its
    patient/ scopes, launch/patient and (when the client is allowed it) offline_access; openid and
    fhirUser are dropped (no id_token is issued), as RFC 6749 §3.3 lets a server grant less.

    Raises ScopeNotAllowed for a system/ scope, a patient/ scope or offline_access the client is
    not allowed, or when no patient/ scope is asked for.
    """
    resource = tuple(s for s in requested if s.is_resource)
    if in_context(resource, PATIENT) != resource or not resource:
        raise ScopeNotAllowed(format_scopes(requested))
    if not all_covered(resource, client.scopes):
        raise ScopeNotAllowed(format_scopes(requested))
    if has(requested, OFFLINE_ACCESS) and not has(client.scopes, OFFLINE_ACCESS):
        raise ScopeNotAllowed(OFFLINE_ACCESS)
    return tuple(s for s in requested if str(s) not in (OPENID, FHIR_USER))


@transaction.atomic
def create_authorization_code(
    *,
    actor: Actor,
    client: OAuthClient,
    user: CanvasUser,
    patient: Patient,
    redirect_uri: str,
    code_challenge: str,
    scopes: tuple[Scope, ...],
) -> IssuedCode:
    """Record a patient's approval of an app as a single-use authorization code, valid for
    CODE_LIFETIME and bound to the client, redirect URI, PKCE challenge (S256) and patient.

    The caller has checked the client, the redirect URI and `grantable_scopes`."""
    raw = secrets.token_urlsafe(32)
    code = AuthorizationCode.objects.create(
        digest=token_digest(raw),
        client=client,
        user=user,
        patient=patient,
        redirect_uri=redirect_uri,
        code_challenge=code_challenge,
        scope=format_scopes(scopes),
        expires_at=timezone.now() + CODE_LIFETIME,
    )
    record(
        actor=actor,
        action="oauth_app.approved",
        patient_key=patient.id,
        target=code,
        detail={"client_id": client.client_id, "scope": code.scope, "redirect_uri": redirect_uri},
    )
    return IssuedCode(code=code, raw=raw)


@transaction.atomic
def record_app_denied(*, actor: Actor, client: OAuthClient, patient: Patient) -> None:
    """Audit that a patient denied an app access."""
    record(actor=actor, action="oauth_app.denied", patient_key=patient.id, target=client)


def s256(verifier: str) -> str:
    """Return the PKCE S256 challenge of a code verifier (RFC 7636 §4.2)."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def redeem_authorization_code(
    *, actor: Actor, client: OAuthClient, raw_code: str, redirect_uri: str, code_verifier: str
) -> IssuedToken:
    """Exchange an authorization code for a patient-bound token (and a refresh token, with offline_access).

    Raises InvalidGrant for an unknown, expired or used code, another client's code, a different
    redirect URI or a code verifier that does not match the challenge. A code presented a second
    time also revokes the tokens issued for it (RFC 6749 §4.1.2). The code is spent by the first
    attempt, successful or not (a wrong verifier cannot be retried).
    """
    now = timezone.now()
    code = (
        AuthorizationCode.objects.select_related("patient", "user")
        .filter(digest=token_digest(raw_code), client=client)
        .first()
    )
    if code is None:
        raise InvalidGrant("The authorization code is not valid.")
    # Claiming the code and issuing its token commit together (a revoke cannot fall between
    # them); a failed check still commits the claim, so a wrong verifier cannot be retried.
    with transaction.atomic():
        claimed = AuthorizationCode.objects.filter(pk=code.pk, used_at__isnull=True).update(used_at=now)
        problem = _code_problem(code, now=now, redirect_uri=redirect_uri, code_verifier=code_verifier)
        if claimed == 1 and problem is None:
            return _new_token(
                actor=actor,
                client=client,
                scopes=parse_scopes(code.scope),
                patient=code.patient,
                user=code.user,
                code=code,
                how="authorization_code",
            )
    if claimed != 1:
        for token in code.tokens.filter(revoked_at__isnull=True):
            revoke_access_token(actor=actor, token=token, now=now)
        raise InvalidGrant("The authorization code was already used.")
    raise InvalidGrant(problem)


def _code_problem(code: AuthorizationCode, *, now: datetime, redirect_uri: str, code_verifier: str) -> str | None:
    """Why this code cannot be exchanged with these values, or None when it can."""
    if code.expires_at <= now:
        return "The authorization code has expired."
    if code.redirect_uri != redirect_uri:
        return "redirect_uri differs from the authorization request's."
    if not secrets.compare_digest(s256(code_verifier), code.code_challenge):
        return "code_verifier does not match the code_challenge."
    if not code.patient.active or not code.user.is_active:
        return "The patient's portal access has ended."
    return None


@transaction.atomic
def refresh_access_token(
    *, actor: Actor, client: OAuthClient, raw_refresh: str, requested: tuple[Scope, ...] = ()
) -> IssuedToken:
    """Use a refresh token (once, as Canvas's) for a new token with the same patient and the same or
    narrower scopes, and a new refresh token. Refresh tokens do not expire; they stop working when
    used, when their token is revoked, or when the client, patient or user is deactivated.

    Raises InvalidGrant for an unknown, used or dead refresh token, ScopeNotAllowed for scopes
    beyond the original grant.
    """
    old = (
        AccessToken.objects.select_related("client", "patient", "user", "authorization_code")
        .filter(refresh_digest=token_digest(raw_refresh), client=client)
        .first()
    )
    if old is None or old.revoked_at is not None or not old.is_live():
        raise InvalidGrant("The refresh token is not valid.")
    granted = old.scopes
    if requested:
        if not all_covered(requested, granted):
            raise ScopeNotAllowed(format_scopes(requested))
        granted = requested
    if AccessToken.objects.filter(pk=old.pk, refresh_used_at__isnull=True).update(refresh_used_at=timezone.now()) != 1:
        raise InvalidGrant("The refresh token was already used.")
    return _new_token(
        actor=actor,
        client=client,
        scopes=granted,
        patient=old.patient,
        user=old.user,
        code=old.authorization_code,  # one family: a replayed code revokes every token descended from it
        how="refresh_token",
    )


@transaction.atomic
def revoke_access_token(*, actor: Actor, token: AccessToken, now: datetime | None = None) -> AccessToken:
    """Revoke a token (idempotent: an already revoked token keeps its first revocation time)."""
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action="oauth_token.revoked", target=token, detail={"client_id": token.client.client_id})
    return token


@transaction.atomic
def revoke_app_access(*, actor: Actor, patient: Patient, client: OAuthClient) -> int:
    """End `client`'s access to `patient`'s record and return how many tokens that revoked.

    Revokes every token of the client bound to the patient that is not revoked yet (expired ones
    too: their refresh tokens would still work) and spends each token's refresh token with it,
    so a refresh that read its token before this commits loses its claim (`refresh_access_token`
    claims only an unspent refresh token). Marks the client's unexchanged codes for the patient
    used: they are kept, as the record of the approval the audit trail names, and an exchange of
    one is refused as a replay. Idempotent: a second call changes and audits nothing; one call
    that changes something writes one `oauth_app.revoked` entry with the patient.
    """
    now = timezone.now()
    codes = AuthorizationCode.objects.filter(client=client, patient=patient, used_at__isnull=True).update(used_at=now)
    spent = Case(
        When(refresh_digest__isnull=False, refresh_used_at__isnull=True, then=Value(now)),
        default=F("refresh_used_at"),
        output_field=DateTimeField(),
    )
    tokens = 0
    # Again until none is left: on PostgreSQL a refresh that claimed its token before this
    # statement locked it commits a new token this statement cannot see; the next one can.
    while revoked := AccessToken.objects.filter(client=client, patient=patient, revoked_at__isnull=True).update(
        revoked_at=now, refresh_used_at=spent
    ):
        tokens += revoked
    if tokens or codes:
        record(
            actor=actor,
            action="oauth_app.revoked",
            patient_key=patient.id,
            target=client,
            detail={"client_id": client.client_id, "tokens": tokens, "codes": codes},
        )
    return tokens


# --- throttling failed client authentication --------------------------------------------------------


def _failure_key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _retry_after(*, scope: str, key: str, limit: int, now: datetime) -> int:
    window = timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    recent = ClientAuthFailure.objects.filter(scope=scope, key_digest=key, at__gt=now - window)
    if recent.count() < limit:
        return 0
    oldest = recent.order_by("at").values_list("at", flat=True).first() or now
    return max(1, math.ceil(((oldest + window) - now).total_seconds()))


def check_client_auth_allowed(*, client_id: str, address: str | None) -> None:
    """Raise ClientThrottled when this client_id or this address failed client authentication too
    often in the last LOGIN_FAILURE_WINDOW_MINUTES (the sign-in throttle's window and limits:
    LOGIN_FAILURES_PER_ACCOUNT per client_id, LOGIN_FAILURES_PER_ADDRESS per address)."""
    now = timezone.now()
    retry = max(
        _retry_after(
            scope=ClientAuthFailure.Scope.CLIENT,
            key=_failure_key("client", client_id),
            limit=settings.LOGIN_FAILURES_PER_ACCOUNT,
            now=now,
        ),
        _retry_after(
            scope=ClientAuthFailure.Scope.ADDRESS,
            key=_failure_key("address", address or "unknown"),
            limit=settings.LOGIN_FAILURES_PER_ADDRESS,
            now=now,
        ),
    )
    if retry:
        raise ClientThrottled(retry)


@transaction.atomic
def record_client_auth_failure(*, client_id: str, address: str | None, endpoint: str = "token") -> None:
    """Count a failed client authentication against the client_id and the address, and audit it."""
    now = timezone.now()
    ClientAuthFailure.objects.bulk_create(
        [
            ClientAuthFailure(
                scope=ClientAuthFailure.Scope.CLIENT, key_digest=_failure_key("client", client_id), at=now
            ),
            ClientAuthFailure(
                scope=ClientAuthFailure.Scope.ADDRESS, key_digest=_failure_key("address", address or "unknown"), at=now
            ),
        ]
    )
    ClientAuthFailure.objects.filter(at__lt=now - timedelta(days=1)).delete()  # older ones no longer matter
    record(actor=Actor.anonymous(), action=f"oauth_{endpoint}.client_auth_failed", detail={"client_id": client_id[:64]})


@transaction.atomic
def clear_client_auth_failures(*, client_id: str) -> None:
    """Forget a client_id's failures after it authenticated (its address's failures stay)."""
    ClientAuthFailure.objects.filter(
        scope=ClientAuthFailure.Scope.CLIENT, key_digest=_failure_key("client", client_id)
    ).delete()
