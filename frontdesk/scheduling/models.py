"""NoteType and Appointment with Canvas's names and fields."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from frontdesk.clinic.models import Patient, PracticeLocation, Staff, Timestamped


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

    objects = NoteTypeQuerySet.as_manager()

    class Meta:
        ordering = ["rank", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_scheduleable_via_patient_portal=False) | Q(is_scheduleable=True),
                name="notetype_portal_requires_scheduleable",
            ),
        ]

    def __str__(self) -> str:
        return self.name


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
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
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
