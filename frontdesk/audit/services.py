"""Write to the audit trail. `Actor` names who acts in every audited service.

Services take `actor: Actor` as a keyword argument and call `record(...)` inside their own
transaction, so the entry commits or rolls back with the change it describes.
"""

from __future__ import annotations

import contextvars
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest

from frontdesk.audit.models import AuditEntry

if TYPE_CHECKING:
    from frontdesk.accounts.models import CanvasUser


@dataclass(frozen=True)
class RequestContext:
    ip: str | None
    request_id: str


request_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "frontdesk_request", default=None
)


def client_address(request: HttpRequest) -> str | None:
    """Return the client's IP, trusting X-Forwarded-For only for the configured proxy count.

    Return None when the address found is not an IP address (e.g. "unknown", or one with a port):
    the audit entry is still written, without an address.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    address = request.META.get("REMOTE_ADDR") or ""
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


@dataclass(frozen=True)
class Actor:
    """Who performs an action: a staff or patient user, a plugin, or the system itself."""

    kind: str
    label: str
    user: CanvasUser | None = None

    @classmethod
    def for_user(cls, user: CanvasUser) -> Actor:
        kind = AuditEntry.ActorKind.STAFF if user.is_staff else AuditEntry.ActorKind.PATIENT
        return cls(kind=kind, label=user.audit_label, user=user)

    @classmethod
    def plugin(cls, name: str) -> Actor:
        return cls(kind=AuditEntry.ActorKind.PLUGIN, label=f"plugin:{name}")

    @classmethod
    def system(cls, what: str) -> Actor:
        return cls(kind=AuditEntry.ActorKind.SYSTEM, label=f"system:{what}")

    @classmethod
    def anonymous(cls) -> Actor:
        return cls(kind=AuditEntry.ActorKind.ANONYMOUS, label="anonymous")

    @property
    def user_dbid(self) -> int | None:
        return self.user.dbid if self.user is not None else None


def _entry(
    *, actor: Actor, action: str, patient_key: str, target_type: str, target_id: str, detail: dict[str, Any] | None
) -> AuditEntry:
    ctx = request_context.get()
    return AuditEntry(
        actor_kind=actor.kind,
        actor_user_dbid=actor.user_dbid,
        actor_label=actor.label,
        action=action,
        patient_key=patient_key,
        target_type=target_type,
        target_id=target_id,
        detail=detail or {},
        ip_address=ctx.ip if ctx else None,
        request_id=ctx.request_id if ctx else "",
    )


def record(
    *,
    actor: Actor,
    action: str,
    patient_key: str = "",
    target: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry and return it. `target` is any model instance (its type and id are kept)."""
    target_type = type(target).__name__ if target is not None else ""
    target_id = str(getattr(target, "id", getattr(target, "pk", ""))) if target is not None else ""
    entry = _entry(
        actor=actor, action=action, patient_key=patient_key, target_type=target_type, target_id=target_id, detail=detail
    )
    entry.save(force_insert=True)
    return entry


def record_each(
    *, actor: Actor, action: str, targets: Iterable[tuple[str, str, str]], detail: dict[str, Any] | None = None
) -> int:
    """Append one entry per `(patient_key, target_type, target_id)` with one INSERT (a search page
    of 100 patients is one statement, not 100); return how many were written."""
    entries = [
        _entry(actor=actor, action=action, patient_key=key, target_type=kind, target_id=ident, detail=detail)
        for key, kind, ident in targets
    ]
    AuditEntry.objects.bulk_create(entries)
    return len(entries)


def save_recorded(
    *,
    actor: Actor,
    obj: Any,
    action: str,
    patient_key: str = "",
    detail: dict[str, Any] | None = None,
) -> Any:
    """Validate (`full_clean`), save and audit one model instance as `<action>.created` or
    `<action>.updated`; return it. The shape most simple services share; call it inside the
    service's transaction. Raises ValidationError (nothing saved or recorded)."""
    created = obj._state.adding
    obj.full_clean()
    obj.save()
    record(
        actor=actor,
        action=f"{action}.{'created' if created else 'updated'}",
        patient_key=patient_key,
        target=obj,
        detail=detail,
    )
    return obj
