"""Back office: the audit trail (read-only); `ServiceAdmin`, the base every domain admin uses so
that saves from the back office go through the same audited service as everything else; and
`ReadOnlyAdmin` for records staff may look at but never add, change or delete here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor


def actor_for(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)  # type: ignore[arg-type]


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves call `save_with_service` (an audited service) instead of `.save()`.

    Subclasses implement `save_with_service(actor, obj, changed)`. Deleting is off by default:
    patient data is deactivated or entered in error, not erased.
    """

    def save_with_service(self, *, actor: Actor, obj: Any, changed: list[str]) -> Any:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        self.save_with_service(actor=actor_for(request), obj=obj, changed=list(form.changed_data))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records shown for support only (audit entries, tokens, imported identifiers): no add, change
    or delete from the back office. Actions a subclass declares still run."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "actor_label",
        "action",
        "patient_key",
        "target_type",
        "target_id",
        "ip_address",
    )
    list_filter = ("actor_kind", "action", "at")
    search_fields = ("actor_label", "patient_key", "target_id", "action", "request_id")
    date_hierarchy = "at"
    list_per_page = 100
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
