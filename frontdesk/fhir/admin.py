"""Back office for OAuth clients (the secret is shown once, on creation; public clients have none),
their redirect URIs and scopes (system/ and patient/), and their tokens (read-only, showing the
patient a token is bound to, with a revoke action). Every change goes through `fhir.services`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from frontdesk.audit.admin import ReadOnlyAdmin, actor_for
from frontdesk.fhir import services
from frontdesk.fhir.models import AccessToken, OAuthClient


@admin.register(OAuthClient)
class OAuthClientAdmin(admin.ModelAdmin):
    list_display = ("name", "client_id", "kind", "allowed_scopes", "is_active", "created")
    list_filter = ("is_active", "is_public")
    search_fields = ("name", "client_id")

    def get_fields(self, request: HttpRequest, obj: OAuthClient | None = None) -> Any:
        if obj is None:
            return ("name", "is_public", "allowed_scopes", "redirect_uris")
        return ("name", "client_id", "is_public", "allowed_scopes", "redirect_uris", "is_active", "created")

    def get_readonly_fields(self, request: HttpRequest, obj: OAuthClient | None = None) -> list[str]:
        return ["client_id", "is_public", "created"] if obj is not None else []

    @admin.display(description="kind", ordering="is_public")
    def kind(self, obj: OAuthClient) -> str:
        return "public (PKCE)" if obj.is_public else "confidential"

    def save_model(self, request: HttpRequest, obj: OAuthClient, form: Any, change: bool) -> None:
        actor = actor_for(request)
        if change:
            services.update_oauth_client(actor=actor, client=obj, changed=list(form.changed_data))
            return
        new = services.create_oauth_client(
            actor=actor,
            name=obj.name,
            allowed_scopes=obj.allowed_scopes,
            redirect_uris=obj.redirect_uris,
            is_public=obj.is_public,
        )
        # The admin redirects and logs with `obj`: make it the row the service created.
        obj.pk, obj.client_id, obj.secret_hash = new.client.pk, new.client.client_id, new.client.secret_hash
        obj._state.adding, obj._state.db = False, new.client._state.db
        if new.client.is_public:
            messages.info(request, f"Client id: {new.client.client_id} — a public client has no secret.")
            return
        messages.warning(
            request,
            f"Client id: {new.client.client_id} — client secret: {new.secret} — copy the secret now: "
            "it is stored only as a hash and will not be shown again.",
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the audit trail keeps referring to the client


@admin.register(AccessToken)
class AccessTokenAdmin(ReadOnlyAdmin):
    list_display = ("client", "patient", "scope", "created", "expires_at", "revoked_at")
    list_filter = ("client",)
    list_select_related = ("client", "patient")
    search_fields = ("patient__id", "patient__last_name", "client__name")
    readonly_fields = (
        "client",
        "patient",
        "user",
        "digest",
        "scope",
        "has_refresh_token",
        "created",
        "expires_at",
        "revoked_at",
    )
    fields = readonly_fields
    actions = ["revoke"]

    @admin.display(boolean=True, description="refresh token")
    def has_refresh_token(self, obj: AccessToken) -> bool:
        return obj.refresh_digest is not None and obj.refresh_used_at is None

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[AccessToken]) -> None:
        now = timezone.now()
        for access_token in queryset.filter(revoked_at__isnull=True):
            services.revoke_access_token(actor=actor_for(request), token=access_token, now=now)
        self.message_user(request, "Revoked.", messages.SUCCESS)
