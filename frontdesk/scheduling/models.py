"""NoteType and Appointment with Canvas's names and fields."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from frontdesk.clinic.models import ExternalIdentifier, Patient, PracticeLocation, Staff, Timestamped


class NoteTypeCategory(models.TextChoices):
    MESSAGE = "message"
    LETTER = "letter"
    INPATIENT = "inpatient"
    REVIEW = "review"
    ENCOUNTER = "encounter"
    APPOINTMENT = "appointment"
    TASK = "task"
    DATA = "data"
    CCDA = "ccda"
    SCHEDULE_EVENT = "schedule_event"


class NoteTypeQuerySet(models.QuerySet["NoteType"]):
    def scheduleable(self) -> NoteTypeQuerySet:
        return self.filter(is_active=True, is_scheduleable=True)

    def patient_bookable(self) -> NoteTypeQuerySet:
        return self.scheduleable().filter(is_scheduleable_via_patient_portal=True, online_duration__gt=0)


class NoteType(Timestamped):
    dbid = models.BigAutoField(primary_key=True)
    id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, unique=True)
    category = models.CharField(max_length=16, choices=NoteTypeCategory.choices, default=NoteTypeCategory.ENCOUNTER)
    code = models.CharField(max_length=64, blank=True)
    system = models.CharField(max_length=200, blank=True, default="http://snomed.info/sct")
    display = models.CharField(max_length=200, blank=True)
    rank = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    is_default_appointment_type = models.BooleanField(default=False)
    is_scheduleable = models.BooleanField(default=False)
    is_scheduleable_via_patient_portal = models.BooleanField(
        default=False, verbose_name="is scheduleable via patient portal"
    )
    online_duration = models.PositiveIntegerField(
        default=0,
        help_text="Minutes booked when a patient schedules online (0: not offered online).",
    )
    is_telehealth = models.BooleanField(default=False)
    is_patient_required = models.BooleanField(default=True)
    allow_custom_title = models.BooleanField(default=False)
    unique_identifier = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Booking policy (frontdesk's; Canvas has no cut-offs): how soon, how far ahead, room around
    # each visit, and until when patients may cancel or reschedule online.
    min_notice_minutes = models.PositiveIntegerField(
        default=120, help_text="Patients book at least this long before the start."
    )
    horizon_days = models.PositiveIntegerField(default=60, help_text="Patients book at most this many days ahead.")
    buffer_before_minutes = models.PositiveIntegerField(
        default=0, help_text="Free time the provider needs before the visit."
    )
    buffer_after_minutes = models.PositiveIntegerField(
        default=0, help_text="Free time the provider needs after the visit."
    )
    cancel_cutoff_minutes = models.PositiveIntegerField(
        default=1440, help_text="Patients cancel online at least this long before the start."
    )
    reschedule_cutoff_minutes = models.PositiveIntegerField(
        default=1440, help_text="Patients reschedule online at least this long before the start."
    )
    slot_step_minutes = models.PositiveIntegerField(
        default=0, help_text="Start-time grid in minutes (0: the visit's length)."
    )

    objects = NoteTypeQuerySet.as_manager()

    class Meta:
        ordering = ["rank", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_scheduleable_via_patient_portal=False) | Q(is_scheduleable=True),
                name="notetype_portal_requires_scheduleable",
            ),
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1) & Q(horizon_days__lte=730), name="notetype_horizon_range"
            ),
            models.CheckConstraint(condition=Q(slot_step_minutes__lte=240), name="notetype_step_range"),
        ]

    def __str__(self) -> str:
        return self.name


class ReasonForVisit(Timestamped):
    """A structured reason for visit with the durations it may be booked for."""

    dbid = models.BigAutoField(primary_key=True)
    id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=64)
    system = models.CharField(max_length=200, default="http://snomed.info/sct")
    display = models.CharField(max_length=200)
    durations = models.JSONField(
        default=list, blank=True, help_text="Allowed lengths in minutes, e.g. [15, 30]; empty: the note type's."
    )
    note_types = models.ManyToManyField(NoteType, blank=True, related_name="reasons_for_visit", help_text="Empty: any.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["display"]
        constraints = [models.UniqueConstraint(fields=["system", "code"], name="reason_for_visit_unique_code")]
        verbose_name = "reason for visit"
        verbose_name_plural = "reasons for visit"

    def __str__(self) -> str:
        return self.display


class AppointmentProgressStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed"
    ATTEMPTED = "attempted"
    CONFIRMED = "confirmed"
    ARRIVED = "arrived"
    ROOMED = "roomed"
    EXITED = "exited"
    NOSHOWED = "noshowed"
    CANCELLED = "cancelled"


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def for_patient(self, patient: Patient | str) -> AppointmentQuerySet:
        """A patient's appointments; takes a Patient or, as Canvas plugins pass it, its id key."""
        return self.filter(patient__id=patient) if isinstance(patient, str) else self.filter(patient=patient)

    def live(self) -> AppointmentQuerySet:
        return self.filter(entered_in_error__isnull=True).exclude(status=AppointmentProgressStatus.CANCELLED)

    def upcoming(self, now: datetime) -> AppointmentQuerySet:
        return self.live().filter(start_time__gte=now).order_by("start_time")


class Appointment(Timestamped):
    dbid = models.BigAutoField(primary_key=True)
    id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments")
    provider = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments")
    location = models.ForeignKey(
        PracticeLocation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    note_type = models.ForeignKey(
        NoteType, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    start_time = models.DateTimeField(db_index=True)
    duration_minutes = models.PositiveIntegerField()
    status = models.CharField(
        max_length=12,
        choices=AppointmentProgressStatus.choices,
        default=AppointmentProgressStatus.UNCONFIRMED,
    )
    comment = models.TextField(null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    meeting_link = models.URLField(null=True, blank=True)
    telehealth_instructions_sent = models.BooleanField(default=False)
    entered_in_error = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        # Nearly always NULL: an index would only lure the planner away from (provider, start_time).
        db_index=False,
    )
    parent_appointment = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    appointment_rescheduled_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointment_rescheduled_to",
    )
    # frontdesk's: the structured reason, and the key that makes a retried booking book once.
    reason_for_visit = models.ForeignKey(
        ReasonForVisit, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0) & Q(duration_minutes__lte=1440),
                name="appointment_duration_range",
            ),
        ]
        indexes = [models.Index(fields=["provider", "start_time"], name="appointment_provider_start")]

    def __str__(self) -> str:
        return f"{self.note_type or 'Appointment'} at {self.start_time:%Y-%m-%d %H:%M}"

    @property
    def end_time(self) -> datetime:
        return self.start_time + timedelta(minutes=self.duration_minutes)

    @property
    def is_live(self) -> bool:
        """Booked and holding the provider's time: not cancelled, not entered in error."""
        return self.status != AppointmentProgressStatus.CANCELLED and self.entered_in_error_id is None

    def _before_cutoff(self, now: datetime, minutes: int | None) -> bool:
        if not self.is_live or self.status not in (
            AppointmentProgressStatus.UNCONFIRMED,
            AppointmentProgressStatus.CONFIRMED,
        ):
            return False
        cutoff = timedelta(minutes=minutes if minutes is not None else 0)
        return now + cutoff <= self.start_time

    def is_cancelable(self, now: datetime) -> bool:
        """Can the patient cancel online now (the note type's cut-off; plugins may still say no)?"""
        return self._before_cutoff(now, self.note_type.cancel_cutoff_minutes if self.note_type else None)

    def is_reschedulable(self, now: datetime) -> bool:
        return self._before_cutoff(now, self.note_type.reschedule_cutoff_minutes if self.note_type else None)

    def can_join(self, now: datetime, *, minutes_before: int) -> bool:
        """A telehealth visit with a link, from `minutes_before` the start until its end."""
        return bool(
            self.is_live
            and self.meeting_link
            and self.note_type is not None
            and self.note_type.is_telehealth
            and self.start_time - timedelta(minutes=minutes_before) <= now < self.end_time
        )


IDENTIFIER_USES = ("usual", "official", "temp", "secondary", "old")
IDENTIFIER_PERIOD_START = date(1970, 1, 1)
IDENTIFIER_PERIOD_END = date(2100, 12, 31)


class AppointmentExternalIdentifier(ExternalIdentifier):
    """An identifier another system (a scheduler, a calendar) gave an appointment, with the period
    it is valid for (Canvas's defaults: 1970-01-01 to 2100-12-31) and who assigned it."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="external_identifiers")
    system = models.CharField(max_length=255, blank=True)  # FHIR's Identifier.system is optional
    issued_date = models.DateField(default=IDENTIFIER_PERIOD_START)
    expiration_date = models.DateField(default=IDENTIFIER_PERIOD_END)
    assigner = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["dbid"]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "system", "value"], name="appointment_identifier_unique"),
            models.CheckConstraint(condition=~Q(value=""), name="appointment_identifier_has_value"),
            models.CheckConstraint(
                condition=Q(expiration_date__gte=models.F("issued_date")), name="appointment_identifier_period"
            ),
            models.CheckConstraint(condition=Q(use__in=("", *IDENTIFIER_USES)), name="appointment_identifier_use"),
        ]
        indexes = [models.Index(fields=["value", "system"], name="appointment_identifier_value")]


class Hold(models.TextChoices):
    NONE = "", "Bookable as usual"
    SAME_DAY = "same_day", "Same-day hold (opens that day)"
    NEXT_DAY = "next_day", "Next-day hold (opens the day before)"


class CalendarFeed(Timestamped):
    """An iCalendar source synced into a provider's schedule (a file, or a secret Google/Outlook address)."""

    class Purpose(models.TextChoices):
        AVAILABILITY = "availability", "Its events are times the provider is available"
        BUSY = "busy", "Its events are times the provider is busy"

    dbid = models.BigAutoField(primary_key=True)
    id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="calendar_feeds")
    location = models.ForeignKey(
        PracticeLocation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty: all of the provider's locations.",
    )
    name = models.CharField(max_length=100)
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.BUSY)
    url = models.CharField(
        max_length=1000, blank=True, help_text="The calendar's secret iCal address (https:// or webcal://)."
    )
    content = models.TextField(blank=True, help_text="An uploaded .ics file, when there is no address.")
    sync_every_minutes = models.PositiveIntegerField(default=15)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["provider", "name"]
        constraints = [
            models.CheckConstraint(condition=~Q(url="") | ~Q(content=""), name="calendar_feed_has_source"),
            models.CheckConstraint(condition=Q(sync_every_minutes__gte=5), name="calendar_feed_sync_interval"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider})"


class Availability(Timestamped):
    """A recurring window when a provider can be booked, in the location's time zone."""

    class Frequency(models.TextChoices):
        DAILY = "daily"
        WEEKLY = "weekly"

    dbid = models.BigAutoField(primary_key=True)
    id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="availabilities")
    location = models.ForeignKey(
        PracticeLocation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="availabilities",
        help_text="Empty: each of the provider's locations.",
    )
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.WEEKLY)
    interval = models.PositiveSmallIntegerField(default=1, help_text="Every n days or weeks.")
    weekdays = models.JSONField(default=list, blank=True, help_text="Weekly: days as numbers, 0 = Monday … 6 = Sunday.")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    start_time = models.TimeField(help_text="Local time at the location.")
    end_time = models.TimeField(help_text="Local time; at or before the start means the window ends the next day.")
    note_types = models.ManyToManyField(
        NoteType, blank=True, related_name="availabilities", help_text="Empty: any scheduleable type."
    )
    hold = models.CharField(max_length=8, choices=Hold.choices, default=Hold.NONE, blank=True)

    class Meta:
        ordering = ["provider", "start_date", "start_time"]
        verbose_name_plural = "availability"
        constraints = [
            models.CheckConstraint(
                condition=Q(interval__gte=1) & Q(interval__lte=52), name="availability_interval_range"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="availability_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.get_frequency_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class AvailabilityException(Timestamped):
    """A one-off change to a provider's schedule: a block (time off) or an opening (extra time)."""

    class Kind(models.TextChoices):
        BLOCK = "block", "Unavailable"
        OPEN = "open", "Extra availability"

    dbid = models.BigAutoField(primary_key=True)
    id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="availability_exceptions")
    location = models.ForeignKey(
        PracticeLocation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="For extra availability: where (empty: all of the provider's locations). Time off blocks the provider everywhere.",
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.BLOCK)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    hold = models.CharField(max_length=8, choices=Hold.choices, default=Hold.NONE, blank=True)
    calendar = models.ForeignKey(
        CalendarFeed, null=True, blank=True, on_delete=models.CASCADE, related_name="exceptions", editable=False
    )
    calendar_uid = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["provider", "starts_at"], name="availability_exception_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="availability_exception_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.provider} {self.starts_at:%Y-%m-%d %H:%M}"


class CalendarExport(Timestamped):
    """A secret address at which a provider's appointments are published as iCalendar."""

    dbid = models.BigAutoField(primary_key=True)
    provider = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="calendar_exports")
    token = models.CharField(max_length=64, unique=True, editable=False)
    busy_only = models.BooleanField(default=True, help_text="Only busy times: no patient names, reasons or notes.")

    class Meta:
        ordering = ["provider"]

    def __str__(self) -> str:
        return f"{self.provider} ({'busy only' if self.busy_only else 'details'})"
