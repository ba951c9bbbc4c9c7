"""Every write to OAuth clients and tokens: keyword-only, atomic and audited.

The raw client secret and raw access token exist only in the return value of the function that
makes them; the database keeps a password hash and a SHA-256 digest.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from frontdesk.audit.services import Actor, record
from frontdesk.fhir.models import TOKEN_LIFETIME, AccessToken, OAuthClient, token_digest
from frontdesk.fhir.scopes import ALL, Scope, all_covered, format_scopes


class ScopeNotAllowed(Exception):
    """Raised when a client asks for a scope it was not registered for."""


@dataclass(frozen=True)
class NewClient:
    client: OAuthClient
    secret: str  # shown once, never stored


@dataclass(frozen=True)
class IssuedToken:
    token: AccessToken
    raw: str  # handed to the client once, never stored


@transaction.atomic
def create_oauth_client(*, actor: Actor, name: str, allowed_scopes: str = ALL) -> NewClient:
    """Register a client and return it with its secret (the only time the secret is available).

    Raises ValidationError for a missing name or a malformed or empty `allowed_scopes`.
    """
    secret = secrets.token_urlsafe(48)
    client = OAuthClient(name=name, secret_hash=make_password(secret), allowed_scopes=allowed_scopes)
    client.full_clean()
    client.allowed_scopes = format_scopes(client.scopes)
    client.save()
    record(actor=actor, action="oauth_client.created", target=client, detail={"scopes": client.allowed_scopes})
    return NewClient(client=client, secret=secret)


@transaction.atomic
def update_oauth_client(*, actor: Actor, client: OAuthClient, changed: list[str] | None = None) -> OAuthClient:
    """Save changes to a client's name, scopes or active flag (the secret never changes here).

    Raises ValidationError as `create_oauth_client` does.
    """
    client.full_clean()
    client.allowed_scopes = format_scopes(client.scopes)
    client.save()
    record(actor=actor, action="oauth_client.updated", target=client, detail={"fields": sorted(changed or [])})
    return client


@transaction.atomic
def issue_access_token(*, actor: Actor, client: OAuthClient, requested: tuple[Scope, ...] = ()) -> IssuedToken:
    """Issue a 10-hour token for an authenticated, active client.

    Without requested scopes the token gets everything the client is allowed (Canvas: "without
    it the token has full access"). Raises ScopeNotAllowed when a requested scope is not covered
    by the client's allowed scopes.
    """
    allowed = client.scopes
    if not all_covered(requested, allowed):
        raise ScopeNotAllowed(format_scopes(requested))
    granted = requested or allowed
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    token = AccessToken.objects.create(
        digest=token_digest(raw), client=client, scope=format_scopes(granted), expires_at=now + TOKEN_LIFETIME
    )
    record(
        actor=actor,
        action="oauth_token.issued",
        target=token,
        detail={"client_id": client.client_id, "scope": token.scope},
    )
    return IssuedToken(token=token, raw=raw)


@transaction.atomic
def revoke_access_token(*, actor: Actor, token: AccessToken, now: datetime | None = None) -> AccessToken:
    """Revoke a token (idempotent: an already revoked token keeps its first revocation time)."""
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        token.save(update_fields=["revoked_at"])
        record(actor=actor, action="oauth_token.revoked", target=token, detail={"client_id": token.client.client_id})
    return token
