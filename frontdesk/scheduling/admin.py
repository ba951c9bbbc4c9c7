"""Back office for note types and appointments (saves go through `scheduling.services`)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from frontdesk.audit.admin import ServiceAdmin
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Appointment, NoteType


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
    list_filter = ("status", "note_type", "location", "provider")
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
    readonly_fields = ("appointment_rescheduled_from", "parent_appointment", "entered_in_error")

    def save_with_service(self, *, actor: Any, obj: Appointment, changed: list[str]) -> Appointment:
        return services.save_appointment(actor=actor, appointment=obj, changed=changed)
