"""Back office for scheduling: note types and their booking policy, reasons for visit, provider
availability (recurring windows, time off and one-off openings, iCalendar feeds in and out) and
appointments, with day and week calendars per provider and per location. Every save and action
goes through `scheduling.services`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode

from frontdesk.audit.admin import ServiceAdmin, actor_for
from frontdesk.clinic.models import PracticeLocation, Staff
from frontdesk.scheduling import services
from frontdesk.scheduling.models import (
    Appointment,
    AppointmentExternalIdentifier,
    Availability,
    AvailabilityException,
    CalendarExport,
    CalendarFeed,
    NoteType,
    ReasonForVisit,
)


class ProviderFilter(admin.SimpleListFilter):
    """Schedulable providers only, with their roles prefetched (one query, however many)."""

    title = "provider"
    parameter_name = "provider"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        providers = Staff.objects.filter(is_schedulable=True).prefetch_related("roles")
        return [(str(p.pk), p.credentialed_name) for p in providers]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(provider_id=self.value()) if self.value() else queryset


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
    list_filter = ("category", "is_active", "is_scheduleable", "is_scheduleable_via_patient_portal", "is_telehealth")
    search_fields = ("name", "code", "display")
    readonly_fields = ("unique_identifier",)
    fieldsets = (
        (None, {"fields": ("name", "category", ("code", "system", "display"), "rank", "is_active")}),
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
        (
            "Booking policy",
            {
                "fields": (
                    ("min_notice_minutes", "horizon_days"),
                    ("buffer_before_minutes", "buffer_after_minutes"),
                    ("cancel_cutoff_minutes", "reschedule_cutoff_minutes"),
                    "slot_step_minutes",
                ),
                "description": "Other events (appointment types that block time with or without a patient) use the category “schedule_event”.",
            },
        ),
    )

    def save_with_service(self, *, actor: Any, obj: NoteType, changed: list[str]) -> NoteType:
        return services.save_note_type(actor=actor, note_type=obj, changed=changed)


class ReasonForVisitForm(forms.ModelForm):
    class Meta:
        model = ReasonForVisit
        fields = ("code", "system", "display", "durations", "note_types", "is_active")

    def clean_durations(self) -> list[int]:
        try:
            return services.clean_durations(self.cleaned_data.get("durations"))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["durations"]) from None


@admin.register(ReasonForVisit)
class ReasonForVisitAdmin(ServiceAdmin):
    form = ReasonForVisitForm
    list_display = ("display", "code", "durations", "is_active")
    list_filter = ("is_active",)
    search_fields = ("display", "code")
    filter_horizontal = ("note_types",)

    def save_with_service(self, *, actor: Any, obj: ReasonForVisit, changed: list[str]) -> ReasonForVisit:
        return services.save_reason_for_visit(actor=actor, reason=obj, changed=changed)


@admin.register(Availability)
class AvailabilityAdmin(ServiceAdmin):
    list_display = (
        "provider",
        "location",
        "frequency",
        "interval",
        "weekday_names",
        "start_time",
        "end_time",
        "start_date",
        "end_date",
        "hold",
    )
    list_filter = (ProviderFilter, "location", "frequency", "hold")
    list_select_related = ("provider", "location")
    autocomplete_fields = ("provider",)
    filter_horizontal = ("note_types",)
    fields = (
        "provider",
        "location",
        "frequency",
        "interval",
        "weekdays",
        ("start_date", "end_date"),
        ("start_time", "end_time"),
        "note_types",
        "hold",
    )

    @admin.display(description="Days")
    def weekday_names(self, obj: Availability) -> str:
        names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        return ", ".join(names[d] for d in obj.weekdays or [] if 0 <= d <= 6) or "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Availability]:
        return super().get_queryset(request).prefetch_related("provider__roles")

    def save_with_service(self, *, actor: Any, obj: Availability, changed: list[str]) -> Availability:
        return services.save_availability(actor=actor, availability=obj, changed=changed)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.has_perm("scheduling.delete_availability"))

    def delete_model(self, request: HttpRequest, obj: Availability) -> None:
        services.delete_availability(actor=actor_for(request), availability=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Availability]) -> None:
        for obj in queryset:
            services.delete_availability(actor=actor_for(request), availability=obj)


@admin.register(AvailabilityException)
class AvailabilityExceptionAdmin(ServiceAdmin):
    list_display = ("provider", "kind", "starts_at", "ends_at", "location", "reason", "calendar")
    list_filter = (ProviderFilter, "kind", "calendar")
    list_select_related = ("provider", "location", "calendar")
    autocomplete_fields = ("provider",)
    date_hierarchy = "starts_at"
    fields = ("provider", "location", "kind", ("starts_at", "ends_at"), "reason", "hold")

    def get_queryset(self, request: HttpRequest) -> QuerySet[AvailabilityException]:
        return super().get_queryset(request).prefetch_related("provider__roles")

    def save_with_service(self, *, actor: Any, obj: AvailabilityException, changed: list[str]) -> AvailabilityException:
        return services.save_availability_exception(actor=actor, exception=obj, changed=changed)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("name", "provider", "purpose", "is_active", "last_synced_at", "sync_status")
    list_filter = ("purpose", "is_active")
    autocomplete_fields = ("provider",)
    readonly_fields = ("last_synced_at", "last_error")
    fields = (
        "provider",
        "location",
        "name",
        "purpose",
        "url",
        "content",
        "sync_every_minutes",
        "is_active",
        "last_synced_at",
        "last_error",
    )
    actions = ["sync_now"]

    @admin.display(description="Status")
    def sync_status(self, obj: CalendarFeed) -> str:
        if obj.last_error:
            return format_html('<span style="color:#b3261e">{}</span>', obj.last_error[:120])
        return "ok" if obj.last_synced_at else "not synced yet"

    def save_model(self, request: HttpRequest, obj: CalendarFeed, form: Any, change: bool) -> None:
        services.save_calendar_feed(actor=actor_for(request), feed=obj, changed=list(form.changed_data))

    @admin.action(description="Sync the selected calendars now", permissions=["change"])
    def sync_now(self, request: HttpRequest, queryset: QuerySet[CalendarFeed]) -> None:
        for feed in queryset:
            result = services.sync_calendar_feed(actor=actor_for(request), feed=feed)
            if result.error:
                messages.error(request, f"{feed}: {result.error}")
            else:
                messages.success(request, f"{feed}: {result.created} event(s) imported.")


@admin.register(CalendarExport)
class CalendarExportAdmin(admin.ModelAdmin):
    list_display = ("provider", "busy_only", "feed_url", "created")
    autocomplete_fields = ("provider",)
    fields = ("provider", "busy_only", "feed_url")
    readonly_fields = ("feed_url",)

    @admin.display(description="Subscribe at (secret: anyone with it can read the calendar)")
    def feed_url(self, obj: CalendarExport) -> str:
        if not obj.token:
            return "shown after saving"
        return settings.BASE_URL + reverse("scheduling:provider_feed", args=[obj.token])

    def save_model(self, request: HttpRequest, obj: CalendarExport, form: Any, change: bool) -> None:
        services.save_calendar_export(actor=actor_for(request), export=obj)


class ExternalIdentifierInline(admin.TabularInline):
    """Other systems' ids for the appointment, shown only: they are written through the FHIR API."""

    model = AppointmentExternalIdentifier
    fields = ("system", "value", "use", "issued_date", "expiration_date", "assigner")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(ServiceAdmin):
    list_display = ("start_time", "duration_minutes", "patient", "provider", "location", "note_type", "status")
    list_filter = ("status", "note_type", "location", ProviderFilter)
    search_fields = ("patient__first_name", "patient__last_name", "patient__mrn", "provider__last_name", "comment")
    date_hierarchy = "start_time"
    list_select_related = ("patient", "provider", "location", "note_type")
    autocomplete_fields = ("patient", "provider", "location", "note_type")
    readonly_fields = (
        "status",
        "appointment_rescheduled_from",
        "parent_appointment",
        "entered_in_error",
        "meeting_link",
    )
    fields = (
        "patient",
        "provider",
        "location",
        "note_type",
        "reason_for_visit",
        "start_time",
        "duration_minutes",
        "comment",
        "description",
        "status",
        "meeting_link",
        "appointment_rescheduled_from",
    )
    actions = ["check_in", "mark_no_show", "cancel", "restore"]
    change_list_template = "scheduling/admin/appointment_list.html"

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        # Only where there is something to show: the forms without it need no inline formset data.
        has_identifiers = obj is not None and obj.external_identifiers.exists()
        return [ExternalIdentifierInline] if has_identifiers else []

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appointment]:
        return super().get_queryset(request).prefetch_related("provider__roles")

    def save_model(self, request: HttpRequest, obj: Appointment, form: Any, change: bool) -> None:
        if not change and obj.note_type is not None:
            services.book_appointment(
                actor=actor_for(request), patient=obj.patient, provider=obj.provider, location=obj.location, note_type=obj.note_type,
                start_time=obj.start_time, duration_minutes=obj.duration_minutes, reason_for_visit=obj.reason_for_visit,
                comment=obj.comment or "", description=obj.description or "",
            )  # fmt: skip
        else:
            services.save_appointment(actor=actor_for(request), appointment=obj, changed=list(form.changed_data))

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)

        class CheckedForm(form):  # type: ignore[misc, valid-type]
            """Run the booking checks while the form can still show their errors."""

            def clean(self) -> dict[str, Any]:
                data = super().clean()
                if self.errors or data.get("note_type") is None or data.get("start_time") is None:
                    return data
                start = data["start_time"]
                end = start + timedelta(minutes=data.get("duration_minutes") or 30)
                provider = data.get("provider")
                current = self.instance if self.instance.pk else None
                if provider is not None and services.overlapping(provider, start, end, exclude=current):
                    raise ValidationError(services.TAKEN)
                return data

        return CheckedForm

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (services.SlotUnavailable, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return HttpResponseRedirect(request.get_full_path())

    def _each(self, request: HttpRequest, queryset: QuerySet[Appointment], action: Any, done: str) -> None:
        count = 0
        for appointment in queryset:
            try:
                action(actor=actor_for(request), appointment=appointment)
                count += 1
            except (ValidationError, services.SlotUnavailable) as exc:
                messages.error(request, f"{appointment}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        if count:
            messages.success(request, f"{count} appointment(s) {done}.")

    @admin.action(description="Check in", permissions=["change"])
    def check_in(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(request, queryset, services.check_in, "checked in")

    @admin.action(description="Mark no-show", permissions=["change"])
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(request, queryset, services.mark_no_show, "marked as no-show")

    @admin.action(description="Cancel", permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(request, queryset, services.cancel_appointment, "cancelled")

    @admin.action(description="Restore (undo cancel or no-show)", permissions=["change"])
    def restore(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(request, queryset, services.restore_appointment, "restored")

    # --- calendars -------------------------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        return [
            path("calendar/", self.admin_site.admin_view(self.calendar_view), name="scheduling_calendar"),
            *super().get_urls(),
        ]

    def calendar_view(self, request: HttpRequest) -> HttpResponse:
        """Day or week calendar for one provider or one location."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        provider = get_object_or_404(Staff, pk=request.GET["provider"]) if request.GET.get("provider") else None
        location = (
            get_object_or_404(PracticeLocation, pk=request.GET["location"]) if request.GET.get("location") else None
        )
        week = request.GET.get("view", "week") != "day"
        if location is not None:
            zone = ZoneInfo(location.time_zone)
        else:
            zone = ZoneInfo(provider.time_zone if provider is not None else settings.INSTALLATION_TIME_ZONE)
        try:
            day = (
                date.fromisoformat(request.GET["date"])
                if request.GET.get("date")
                else timezone.now().astimezone(zone).date()
            )
        except ValueError:
            day = timezone.now().astimezone(zone).date()
        first = day - timedelta(days=day.weekday()) if week else day
        days = [first + timedelta(days=i) for i in range(7 if week else 1)]
        start = datetime.combine(days[0], time.min, tzinfo=zone)
        end = datetime.combine(days[-1] + timedelta(days=1), time.min, tzinfo=zone)
        appointments = (
            Appointment.objects.filter(start_time__gte=start, start_time__lt=end)
            .select_related("patient", "provider", "location", "note_type")
            .prefetch_related("provider__roles")
        )
        blocks = AvailabilityException.objects.filter(starts_at__lt=end, ends_at__gt=start).select_related("provider")
        if provider is not None:
            appointments = appointments.filter(provider=provider)
            blocks = blocks.filter(provider=provider)
        if location is not None:
            appointments = appointments.filter(location=location)
        by_day: dict[date, list[Any]] = {d: [] for d in days}
        for appointment in appointments:
            by_day.setdefault(appointment.start_time.astimezone(zone).date(), []).append(appointment)
        for block in blocks:
            by_day.setdefault(block.starts_at.astimezone(zone).date(), []).append(block)
        step = timedelta(days=7 if week else 1)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Calendar: {provider or location or 'all providers'}",
            "opts": self.model._meta,
            "days": [
                (d, sorted(by_day.get(d, []), key=lambda item: getattr(item, "start_time", None) or item.starts_at))
                for d in days
            ],
            "zone": zone,
            "provider": provider,
            "location": location,
            "week": week,
            "providers": Staff.objects.filter(is_schedulable=True).prefetch_related("roles"),
            "locations": PracticeLocation.objects.filter(active=True),
            "previous": (first - step).isoformat(),
            "next": (first + step).isoformat(),
            "today": timezone.now().astimezone(zone).date().isoformat(),
            "keep": urlencode({k: request.GET[k] for k in ("provider", "location", "view") if request.GET.get(k)}),
        }
        return TemplateResponse(request, "scheduling/admin/calendar.html", context)
