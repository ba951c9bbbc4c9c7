"""Back office: the outbox, read-only, with a retry action for failed events."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from frontdesk.events.models import OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "name",
        "target_type",
        "target_id",
        "created_at",
        "processed_at",
        "failed",
        "attempts",
    )
    list_filter = ("failed", "name", ("processed_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "target_id", "source")
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Read-only apart from the retry action, and only for staff with the change permission.
        # The retry action posts to the list (obj is None); a POST to one event's page is refused.
        allowed = request.method in ("GET", "HEAD") or (obj is None and request.POST.get("action") == "retry")
        return allowed and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Retry the selected failed events", permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxEvent]) -> None:
        count = queryset.filter(failed=True).update(
            failed=False,
            processed_at=None,
            claimed_at=None,
            claim_token="",
            attempts=0,
            available_at=timezone.now(),
        )
        messages.success(request, f"{count} event(s) queued again.")
