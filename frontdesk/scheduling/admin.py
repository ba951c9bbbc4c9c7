"""Back office for note types and appointments (saves go through `scheduling.services`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from frontdesk.audit.admin import ServiceAdmin
from frontdesk.clinic.models import Staff
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Appointment, NoteType

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise


@admin.register(NoteType)
class NoteTypeAdmin(ServiceAdmin):
    list_display = (
        "name",
        "category",
        "is_active",
        "is_scheduleable",
        "is_scheduleable_via_patient_portal",
        "online_duration",
        "is_telehealth",
    )
    list_filter = (
        "category",
        "is_active",
        "is_scheduleable",
        "is_scheduleable_via_patient_portal",
        "is_telehealth",
    )
    search_fields = ("name", "code", "display")
    readonly_fields = ("unique_identifier",)
    fieldsets = (
        (
            None,
            {"fields": ("name", "category", ("code", "system", "display"), "rank", "is_active")},
        ),
        (
            "Scheduling",
            {
                "fields": (
                    "is_scheduleable",
                    "is_scheduleable_via_patient_portal",
                    "online_duration",
                    "is_telehealth",
                    "is_patient_required",
                    "is_default_appointment_type",
                    "allow_custom_title",
                    "unique_identifier",
                )
            },
        ),
    )

    def save_with_service(self, *, actor: Any, obj: NoteType, changed: list[str]) -> NoteType:
        return services.save_note_type(actor=actor, note_type=obj, changed=changed)


class ProviderFilter(admin.RelatedFieldListFilter):
    """Providers by credentialed name, with their roles read in one query rather than one each."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[tuple[str, _StrOrPromise]]:
        return [(str(staff.pk), str(staff)) for staff in Staff.objects.prefetch_related("roles")]


@admin.register(Appointment)
class AppointmentAdmin(ServiceAdmin):
    list_display = (
        "start_time",
        "duration_minutes",
        "patient",
        "provider",
        "location",
        "note_type",
        "status",
    )
    list_filter = ("status", "note_type", "location", ("provider", ProviderFilter))
    search_fields = (
        "patient__first_name",
        "patient__last_name",
        "patient__mrn",
        "provider__last_name",
        "comment",
    )
    date_hierarchy = "start_time"
    list_select_related = ("patient", "provider", "location", "note_type")
    autocomplete_fields = ("patient", "provider", "location", "note_type")
    # Meeting links are https; also what Django 6 will assume for a typed link without a scheme.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ("appointment_rescheduled_from", "parent_appointment", "entered_in_error")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appointment]:
        return super().get_queryset(request).prefetch_related("provider__roles")

    def save_with_service(self, *, actor: Any, obj: Appointment, changed: list[str]) -> Appointment:
        return services.save_appointment(actor=actor, appointment=obj, changed=changed)
