"""Back office for the clinic: patients (with contact points, care team and the portal panel),
staff, locations and the chart items. Every save goes through `clinic.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from frontdesk.accounts import services as account_services
from frontdesk.accounts.forms import PortalUserForm, SendForm
from frontdesk.audit.admin import ReadOnlyAdmin, ServiceAdmin, actor_for
from frontdesk.clinic import services
from frontdesk.clinic.models import (
    AllergyIntolerance,
    AllergyIntoleranceCoding,
    AllergyIntoleranceExternalIdentifier,
    CareTeamMembership,
    CareTeamMembershipStatus,
    Condition,
    ConditionCoding,
    ConditionExternalIdentifier,
    Medication,
    MedicationCoding,
    MedicationExternalIdentifier,
    Patient,
    PatientAddress,
    PatientContactPoint,
    PatientExternalIdentifier,
    PracticeLocation,
    PracticeLocationExternalIdentifier,
    Staff,
    StaffAddress,
    StaffContactPoint,
    StaffExternalIdentifier,
    StaffRole,
)


def _kept_rows(formset: Any, *fields: str) -> list[Any]:
    """The values of `fields` in an inline's rows that are filled in and not marked for deletion.

    Also fills in what the admin's change message reads, without saving anything: the caller
    hands the rows to a service that replaces the whole set.
    """
    formset.save(commit=False)
    return [
        tuple(f.cleaned_data[name] for name in fields)
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


class ContactPointForm(forms.ModelForm):
    class Meta:
        model = PatientContactPoint
        fields = ("system", "value", "use", "rank", "has_consent", "opted_out", "state")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("system") and data.get("value"):
            try:
                data["value"] = services.normalize_contact_value(data["system"], data["value"])
            except ValidationError as exc:
                self.add_error("value", exc.message_dict["value"])
        return data


class ContactPointInline(admin.TabularInline):
    model = PatientContactPoint
    form = ContactPointForm
    extra = 0
    fields = (
        "system",
        "value",
        "use",
        "rank",
        "has_consent",
        "opted_out",
        "state",
        "last_verified",
    )
    readonly_fields = ("last_verified",)
    can_delete = False


class CareTeamFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        """Refuse a second active lead here, as a form error: the rows' own constraint checks leave
        the patient out (it is the parent), so the service would only refuse it during the save."""
        super().clean()
        leads = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("lead")
            and form.cleaned_data.get("status") == CareTeamMembershipStatus.ACTIVE
        ]
        if len(leads) > 1:
            raise ValidationError("A patient has at most one active lead on the care team.")


class CareTeamInline(admin.TabularInline):
    model = CareTeamMembership
    formset = CareTeamFormSet
    extra = 0
    fields = ("staff", "role_display", "role_code", "status", "lead")
    autocomplete_fields = ("staff",)
    can_delete = True


@admin.register(Patient)
class PatientAdmin(ServiceAdmin):
    change_form_template = "admin/clinic/patient/change_form.html"
    list_display = ("full_name", "birth_date", "mrn", "portal_status", "active", "default_location")
    list_filter = (
        "active",
        "sex_at_birth",
        "default_location",
        ("user", admin.EmptyFieldListFilter),
        "user__is_portal_registered",
    )
    search_fields = (
        "first_name",
        "last_name",
        "nickname",
        "mrn",
        "id",
        "user__email",
        "user__phone_number",
        "telecom__value",
    )
    list_select_related = ("default_location", "user")
    autocomplete_fields = ("default_provider", "default_location")
    readonly_fields = ("id", "created", "modified")
    inlines = [ContactPointInline, CareTeamInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("prefix", "first_name", "middle_name", "last_name", "suffix"),
                    "nickname",
                    ("birth_date", "sex_at_birth"),
                    "mrn",
                )
            },
        ),
        (
            "Care",
            {
                "fields": (
                    "default_location",
                    "default_provider",
                    "last_known_timezone",
                    ("active", "deceased"),
                )
            },
        ),
        ("Record", {"fields": ("id", "created", "modified"), "classes": ("collapse",)}),
    )

    @admin.display(description="Portal")
    def portal_status(self, obj: Patient) -> str:
        if obj.user is None:
            return "—"
        return "active" if obj.user.is_portal_registered else "invited" if obj.user.last_invite_date_time else "linked"

    def save_with_service(self, *, actor: Any, obj: Patient, changed: list[str]) -> Patient:
        return services.save_patient(actor=actor, patient=obj, changed=changed)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        actor = actor_for(request)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            if isinstance(obj, CareTeamMembership):
                services.delete_care_team_membership(actor=actor, membership=obj)
        for obj in instances:
            changed: list[str] = next((f.changed_data for f in formset.forms if f.instance is obj), [])
            if isinstance(obj, PatientContactPoint):
                services.save_contact_point(actor=actor, contact_point=obj, changed=changed)
            elif isinstance(obj, CareTeamMembership):
                services.save_care_team_membership(actor=actor, membership=obj, changed=changed)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        patient = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if patient is not None:
            # Only a chart actually shown is a view; a refused request (403 below) is not.
            if request.method == "GET" and self.has_view_or_change_permission(request, patient):
                services.record_chart_view(actor=actor_for(request), patient=patient, what="back office profile")
            user = patient.user
            extra.update(
                portal_user=user,
                portal_link_form=PortalUserForm(
                    initial={
                        "email": user.email if user else "",
                        "phone_number": user.phone_number if user else "",
                    }
                ),
                portal_send_form=SendForm(),
                portal_can_change=self.has_change_permission(request, patient),
            )
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:dbid>/portal/link/",
                wrap(self.portal_link_view),
                name="clinic_patient_portal_link",
            ),
            path(
                "<int:dbid>/portal/invite/",
                wrap(self.portal_invite_view),
                name="clinic_patient_portal_invite",
            ),
            path(
                "<int:dbid>/portal/reset/",
                wrap(self.portal_reset_view),
                name="clinic_patient_portal_reset",
            ),
            *super().get_urls(),
        ]

    def _portal_action(self, request: HttpRequest, dbid: int) -> tuple[Patient, HttpResponseRedirect]:
        patient = get_object_or_404(Patient.objects.select_related("user"), dbid=dbid)
        if request.method != "POST" or not self.has_change_permission(request, patient):
            raise PermissionDenied
        back = HttpResponseRedirect(reverse("admin:clinic_patient_change", args=[dbid]) + "#portal")
        return patient, back

    def _report(self, request: HttpRequest, exc: ValidationError) -> None:
        for message in exc.messages:
            messages.error(request, message)

    def portal_link_view(self, request: HttpRequest, dbid: int) -> HttpResponse:
        patient, back = self._portal_action(request, dbid)
        form = PortalUserForm(request.POST)
        if form.is_valid():
            try:
                account_services.link_portal_user(
                    actor=actor_for(request),
                    patient=patient,
                    email=form.cleaned_data["email"],
                    phone_number=form.cleaned_data["phone_number"],
                )
            except ValidationError as exc:
                self._report(request, exc)
            else:
                messages.success(request, "Portal user saved.")
        return back

    def portal_invite_view(self, request: HttpRequest, dbid: int) -> HttpResponse:
        patient, back = self._portal_action(request, dbid)
        form = SendForm(request.POST)
        if patient.user is None:
            messages.error(request, "Link an email or phone to the portal user first.")
        elif form.is_valid():
            try:
                account_services.send_invite(
                    actor=actor_for(request),
                    user=patient.user,
                    channel=form.cleaned_data["channel"],
                )
            except ValidationError as exc:
                self._report(request, exc)
            else:
                messages.success(
                    request,
                    f"Invitation sent by {form.cleaned_data['channel']}. Earlier invitation links no longer work.",
                )
        return back

    def portal_reset_view(self, request: HttpRequest, dbid: int) -> HttpResponse:
        patient, back = self._portal_action(request, dbid)
        form = SendForm(request.POST)
        if patient.user is None:
            messages.error(request, "This patient has no portal user.")
        elif form.is_valid():
            try:
                account_services.send_password_reset(
                    actor=actor_for(request),
                    user=patient.user,
                    channel=form.cleaned_data["channel"],
                )
            except ValidationError as exc:
                self._report(request, exc)
            else:
                messages.success(request, f"Password reset link sent by {form.cleaned_data['channel']}.")
        return back


@admin.register(PatientContactPoint)
class PatientContactPointAdmin(ServiceAdmin):
    form = ContactPointForm
    list_display = ("value", "system", "use", "rank", "patient", "state", "last_verified")
    list_filter = ("system", "use", "state", ("last_verified", admin.EmptyFieldListFilter))
    search_fields = ("value", "patient__first_name", "patient__last_name", "patient__mrn")
    list_select_related = ("patient",)
    autocomplete_fields = ("patient",)
    actions = ["send_verification"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["patient", *ContactPointForm.Meta.fields]

    def save_with_service(self, *, actor: Any, obj: PatientContactPoint, changed: list[str]) -> PatientContactPoint:
        return services.save_contact_point(actor=actor, contact_point=obj, changed=changed)

    @admin.action(description="Send a verification code to the selected contact points", permissions=["change"])
    def send_verification(self, request: HttpRequest, queryset: QuerySet[PatientContactPoint]) -> None:
        sent = 0
        for point in queryset:
            try:
                account_services.send_contact_verification(actor=actor_for(request), contact_point=point)
                sent += 1
            except ValidationError as exc:
                messages.error(request, f"{point.value}: {' '.join(exc.messages)}")
        if sent:
            messages.success(request, f"Verification code sent to {sent} contact point(s).")


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0


@admin.register(Staff)
class StaffAdmin(ServiceAdmin):
    list_display = (
        "credentialed_name",
        "is_schedulable",
        "active",
        "primary_practice_location",
        "npi_number",
    )
    list_filter = ("active", "is_schedulable", "primary_practice_location", "roles__code")
    search_fields = ("first_name", "last_name", "npi_number", "id", "user__email")
    list_select_related = ("primary_practice_location",)
    filter_horizontal = ("practice_locations",)
    autocomplete_fields = ("user",)
    # Meeting links are https; also what Django 6 will assume for a typed link without a scheme.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [StaffRoleInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("prefix", "first_name", "middle_name", "last_name", "suffix"),
                    "nickname",
                    "user",
                )
            },
        ),
        (
            "Practice",
            {
                "fields": (
                    ("active", "is_schedulable"),
                    "npi_number",
                    "primary_practice_location",
                    "practice_locations",
                    "personal_meeting_room_link",
                    "last_known_timezone",
                )
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Staff]:
        return super().get_queryset(request).prefetch_related("roles")

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        rows = _kept_rows(formset, "role_type", "code", "name")
        services.set_staff_roles(actor=actor_for(request), staff=form.instance, roles=rows)

    def save_with_service(self, *, actor: Any, obj: Staff, changed: list[str]) -> Staff:
        return services.save_staff(actor=actor, staff=obj, changed=changed)


@admin.register(PracticeLocation)
class PracticeLocationAdmin(ServiceAdmin):
    list_display = ("full_name", "short_name", "time_zone", "active", "place_of_service_code")
    list_filter = ("active", "time_zone")
    search_fields = ("full_name", "short_name", "city")

    def save_with_service(self, *, actor: Any, obj: PracticeLocation, changed: list[str]) -> PracticeLocation:
        return services.save_location(actor=actor, location=obj, changed=changed)


class ChartItemAdmin(ServiceAdmin):
    """Shared by conditions, medications and allergies: patient search, committed-by-the-actor,
    "entered in error" instead of delete, and chart views audited."""

    autocomplete_fields = ["patient"]
    search_fields = (
        "patient__first_name",
        "patient__last_name",
        "patient__mrn",
        "codings__display",
        "codings__code",
    )
    actions = ["enter_in_error"]
    readonly_fields = ("committer", "entered_in_error", "created", "modified")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("patient").prefetch_related("codings")

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Codings are the only inline: the service replaces them as a whole and audits the change.
        rows = _kept_rows(formset, "system", "code", "display")
        services.set_codings(actor=actor_for(request), item=form.instance, codings=rows)

    def save_with_service(self, *, actor: Any, obj: Any, changed: list[str]) -> Any:
        return services.save_chart_item(actor=actor, item=obj, changed=changed)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "GET" and self.has_view_or_change_permission(request, obj):
            services.record_chart_view(actor=actor_for(request), patient=obj.patient, what=type(obj).__name__.lower())
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Mark the selected items entered in error", permissions=["change"])
    def enter_in_error(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for item in queryset:
            services.enter_chart_item_in_error(actor=actor_for(request), item=item)
        messages.success(request, f"{queryset.count()} item(s) marked entered in error.")

    @admin.display(description="Name")
    def display_name(self, obj: Any) -> str:
        return str(obj)


class ConditionCodingInline(admin.TabularInline):
    model = ConditionCoding
    extra = 1


@admin.register(Condition)
class ConditionAdmin(ChartItemAdmin):
    list_display = (
        "display_name",
        "patient",
        "clinical_status",
        "show_in_summary",
        "onset_date",
        "last_assessed_date",
        "last_assessed_by",
    )
    list_filter = ("clinical_status", "show_in_summary", "surgical", "deleted")
    inlines = [ConditionCodingInline]
    autocomplete_fields = ["patient", "last_assessed_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super().get_queryset(request).select_related("last_assessed_by").prefetch_related("last_assessed_by__roles")
        )


class MedicationCodingInline(admin.TabularInline):
    model = MedicationCoding
    extra = 1


@admin.register(Medication)
class MedicationAdmin(ChartItemAdmin):
    list_display = ("display_name", "patient", "status", "start_date", "sig", "last_prescriber")
    list_filter = ("status", "deleted")
    inlines = [MedicationCodingInline]
    autocomplete_fields = ["patient", "last_prescriber"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super().get_queryset(request).select_related("last_prescriber").prefetch_related("last_prescriber__roles")
        )


class AllergyCodingInline(admin.TabularInline):
    model = AllergyIntoleranceCoding
    extra = 1


@admin.register(AllergyIntolerance)
class AllergyIntoleranceAdmin(ChartItemAdmin):
    list_display = ("display_name", "patient", "status", "severity", "narrative", "onset_date")
    list_filter = ("status", "severity", "deleted")
    inlines = [AllergyCodingInline]


@admin.register(CareTeamMembership)
class CareTeamMembershipAdmin(ServiceAdmin):
    list_display = ("patient", "staff", "role_display", "status", "lead")
    list_filter = ("status", "lead", "role_display")
    search_fields = (
        "patient__first_name",
        "patient__last_name",
        "staff__first_name",
        "staff__last_name",
        "role_display",
    )
    list_select_related = ("patient", "staff")
    autocomplete_fields = ("patient", "staff")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CareTeamMembership]:
        return super().get_queryset(request).prefetch_related("staff__roles")

    def save_with_service(self, *, actor: Any, obj: CareTeamMembership, changed: list[str]) -> CareTeamMembership:
        return services.save_care_team_membership(actor=actor, membership=obj, changed=changed)


@admin.register(PatientAddress)
class PatientAddressAdmin(ServiceAdmin):
    list_display = ("__str__", "patient", "use", "type", "state")
    list_filter = ("use", "type", "state", "state_code")
    search_fields = ("line1", "city", "postal_code", "patient__first_name", "patient__last_name", "patient__mrn")
    list_select_related = ("patient",)
    autocomplete_fields = ("patient",)
    fields = (
        "patient",
        "use",
        "type",
        "line1",
        "line2",
        "city",
        "district",
        "state_code",
        "postal_code",
        "country",
        "start",
        "end",
        "latitude",
        "longitude",
        "state",
    )

    def save_with_service(self, *, actor: Any, obj: PatientAddress, changed: list[str]) -> PatientAddress:
        return services.save_patient_address(actor=actor, address=obj, changed=changed)


@admin.register(StaffAddress)
class StaffAddressAdmin(ServiceAdmin):
    list_display = ("__str__", "staff", "use", "type", "state")
    list_filter = ("use", "type", "state")
    search_fields = ("line1", "city", "postal_code", "staff__first_name", "staff__last_name")
    list_select_related = ("staff",)
    autocomplete_fields = ("staff",)
    fields = ("staff", *PatientAddressAdmin.fields[1:])

    def save_with_service(self, *, actor: Any, obj: StaffAddress, changed: list[str]) -> StaffAddress:
        return services.save_staff_address(actor=actor, address=obj, changed=changed)


@admin.register(StaffContactPoint)
class StaffContactPointAdmin(ServiceAdmin):
    list_display = ("value", "system", "use", "rank", "staff", "state")
    list_filter = ("system", "use", "state")
    search_fields = ("value", "staff__first_name", "staff__last_name")
    list_select_related = ("staff",)
    autocomplete_fields = ("staff",)
    fields = ("staff", "system", "value", "use", "rank", "state")

    def save_with_service(self, *, actor: Any, obj: StaffContactPoint, changed: list[str]) -> StaffContactPoint:
        return services.save_staff_contact_point(actor=actor, contact_point=obj, changed=changed)


class ExternalIdentifierAdmin(ReadOnlyAdmin):
    """Identifiers other systems gave a record (kept by FHIR writes and `frontdesk import-fhir`):
    shown for support, never edited here, since imports find their records by them."""

    list_display = ("system", "value", "use", "identifier_type", "created")
    list_filter = ("system",)
    search_fields = ("value",)


for _model in (
    PatientExternalIdentifier,
    StaffExternalIdentifier,
    PracticeLocationExternalIdentifier,
    ConditionExternalIdentifier,
    MedicationExternalIdentifier,
    AllergyIntoleranceExternalIdentifier,
):
    admin.site.register(_model, ExternalIdentifierAdmin)
