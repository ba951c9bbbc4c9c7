"""Back office for OAuth clients (the secret is shown once, on creation) and their tokens
(read-only, with a revoke action). Every change goes through `fhir.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from frontdesk.audit.admin import actor_for
from frontdesk.fhir import services
from frontdesk.fhir.models import AccessToken, OAuthClient


@admin.register(OAuthClient)
class OAuthClientAdmin(admin.ModelAdmin):
    list_display = ("name", "client_id", "allowed_scopes", "is_active", "created")
    list_filter = ("is_active",)
    search_fields = ("name", "client_id")

    def get_fields(self, request: HttpRequest, obj: OAuthClient | None = None) -> Any:
        if obj is None:
            return ("name", "allowed_scopes")
        return ("name", "client_id", "allowed_scopes", "is_active", "created")

    def get_readonly_fields(self, request: HttpRequest, obj: OAuthClient | None = None) -> list[str]:
        return ["client_id", "created"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: OAuthClient, form: Any, change: bool) -> None:
        actor = actor_for(request)
        if change:
            services.update_oauth_client(actor=actor, client=obj, changed=list(form.changed_data))
            return
        new = services.create_oauth_client(actor=actor, name=obj.name, allowed_scopes=obj.allowed_scopes)
        # The admin redirects and logs with `obj`: make it the row the service created.
        obj.pk, obj.client_id, obj.secret_hash = new.client.pk, new.client.client_id, new.client.secret_hash
        obj._state.adding, obj._state.db = False, new.client._state.db
        messages.warning(
            request,
            f"Client id: {new.client.client_id} — client secret: {new.secret} — copy the secret now: "
            "it is stored only as a hash and will not be shown again.",
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the audit trail keeps referring to the client


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):
    list_display = ("client", "scope", "created", "expires_at", "revoked_at")
    list_filter = ("client",)
    list_select_related = ("client",)
    readonly_fields = ("client", "digest", "scope", "created", "expires_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[AccessToken]) -> None:
        now = timezone.now()
        for access_token in queryset.filter(revoked_at__isnull=True):
            services.revoke_access_token(actor=actor_for(request), token=access_token, now=now)
        self.message_user(request, "Revoked.", messages.SUCCESS)
