"""Clinic models with Canvas's names (see shared/reference/canvas-sdk-data-models.txt).

Conventions kept from Canvas: `dbid` is the integer primary key; Patient and Staff have a 32-char
string `id` ("key"); every other model has a UUID `id`.
"""

from __future__ import annotations

import re
import uuid
import zoneinfo
from datetime import date, timedelta
from typing import Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

#: The earliest birth date frontdesk stores (the database refuses earlier ones too).
EARLIEST_BIRTH_DATE = date(1850, 1, 1)


def new_key() -> str:
    return uuid.uuid4().hex


def validate_time_zone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not an IANA time zone (e.g. America/New_York).")


def validate_birth_date(value: date) -> None:
    """Refuse dates before 1850 and dates that are still in the future everywhere on Earth."""
    if value < EARLIEST_BIRTH_DATE:
        raise ValidationError(f"A birth date before {EARLIEST_BIRTH_DATE:%Y} is not plausible.")
    # UTC+14 is the furthest ahead any place is: a baby born there today is not "in the future".
    if value > (timezone.now() + timedelta(hours=14)).date():
        raise ValidationError("A birth date cannot be in the future.")


def validate_npi(value: str) -> None:
    if value and not re.fullmatch(r"[0-9]{10}", value):
        raise ValidationError("An NPI is exactly 10 digits.")


class Timestamped(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "O", "Other"
    UNKNOWN = "UNK", "Unknown"


class PracticeLocation(Timestamped):
    dbid = models.BigAutoField(primary_key=True)
    id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    full_name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=60, blank=True)
    active = models.BooleanField(default=True)
    place_of_service_code = models.CharField(max_length=2, default="11", help_text="CMS place of service (11 = office)")
    time_zone = models.CharField(
        max_length=64, validators=[validate_time_zone], help_text="IANA time zone of the location"
    )
    address_line1 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state_code = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name


class Staff(Timestamped):
    dbid = models.BigAutoField(primary_key=True)
    id = models.CharField(max_length=32, default=new_key, unique=True, editable=False, db_column="key")
    prefix = models.CharField(max_length=20, blank=True)
    first_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    suffix = models.CharField(max_length=20, blank=True)
    nickname = models.CharField(max_length=100, blank=True)
    active = models.BooleanField(default=True)
    is_schedulable = models.BooleanField(
        default=False, help_text="Patients and staff can book appointments with this person."
    )
    primary_practice_location = models.ForeignKey(
        PracticeLocation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    practice_locations = models.ManyToManyField(PracticeLocation, blank=True, related_name="practicing_staff")
    npi_number = models.CharField(max_length=10, blank=True, validators=[validate_npi])
    birth_date = models.DateField(null=True, blank=True, validators=[validate_birth_date])
    personal_meeting_room_link = models.URLField(null=True, blank=True)
    last_known_timezone = models.CharField(max_length=64, null=True, blank=True, validators=[validate_time_zone])
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "staff"
        constraints = [
            models.CheckConstraint(
                condition=Q(npi_number="") | Q(npi_number__regex=r"^[0-9]{10}$"),
                name="staff_npi_ten_digits",
            ),
            models.CheckConstraint(
                condition=Q(birth_date__isnull=True) | Q(birth_date__gte=EARLIEST_BIRTH_DATE),
                name="staff_birth_date_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.credentialed_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name, self.suffix) if p)

    @property
    def credentialed_name(self) -> str:
        name = " ".join(p for p in (self.prefix, self.first_name, self.last_name) if p)
        role = self.top_clinical_role
        return f"{name}, {role.code}" if role and role.code else name

    @property
    def time_zone(self) -> str:
        """The zone to show this provider's schedule in: their main location's, else the clinic's."""
        if self.primary_practice_location_id and self.primary_practice_location:
            return self.primary_practice_location.time_zone
        return settings.INSTALLATION_TIME_ZONE

    @property
    def top_clinical_role(self) -> StaffRole | None:
        roles = [r for r in self.roles.all() if r.role_type == StaffRole.RoleType.CLINICAL]
        return roles[0] if roles else None


class StaffRole(models.Model):
    class RoleType(models.TextChoices):
        CLINICAL = "clinical"
        ADMINISTRATIVE = "administrative"

    dbid = models.BigAutoField(primary_key=True)
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="roles")
    role_type = models.CharField(max_length=16, choices=RoleType.choices)
    code = models.CharField(max_length=20, help_text="e.g. MD, NP, RN, MA")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["role_type", "code"]
        constraints = [models.UniqueConstraint(fields=["staff", "code"], name="staff_role_unique")]

    def __str__(self) -> str:
        return self.name


class PatientQuerySet(models.QuerySet["Patient"]):
    def active(self) -> PatientQuerySet:
        return self.filter(active=True)


class Patient(Timestamped):
    dbid = models.BigAutoField(primary_key=True)
    id = models.CharField(max_length=32, default=new_key, unique=True, editable=False, db_column="key")
    prefix = models.CharField(max_length=20, blank=True)
    first_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    suffix = models.CharField(max_length=20, blank=True)
    nickname = models.CharField(max_length=100, blank=True)
    birth_date = models.DateField(validators=[validate_birth_date])
    sex_at_birth = models.CharField(max_length=3, choices=Sex.choices, default=Sex.UNKNOWN)
    mrn = models.CharField(max_length=32, unique=True, default=new_key, help_text="Medical record number")
    active = models.BooleanField(default=True)
    deceased = models.BooleanField(default=False)
    default_location = models.ForeignKey(
        PracticeLocation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="default_patients",
    )
    default_provider = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="default_patients"
    )
    last_known_timezone = models.CharField(max_length=64, null=True, blank=True, validators=[validate_time_zone])
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patient",
    )

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_date__gte=EARLIEST_BIRTH_DATE), name="patient_birth_date_plausible"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.birth_date:%Y-%m-%d})"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name, self.suffix) if p)

    @property
    def preferred_first_name(self) -> str:
        return self.nickname or self.first_name

    @property
    def preferred_full_name(self) -> str:
        return " ".join(p for p in (self.preferred_first_name, self.last_name) if p)

    @property
    def primary_phone_number(self) -> PatientContactPoint | None:
        return (
            self.telecom.filter(system=ContactPointSystem.PHONE, state=ContactPointState.ACTIVE)
            .order_by("rank")
            .first()
        )

    @property
    def time_zone(self) -> str:
        """The zone to show this patient times in: their own, their location's, the clinic's."""
        if self.last_known_timezone:
            return self.last_known_timezone
        if self.default_location_id and self.default_location:
            return self.default_location.time_zone
        return settings.INSTALLATION_TIME_ZONE


class ContactPointSystem(models.TextChoices):
    PHONE = "phone"
    FAX = "fax"
    EMAIL = "email"
    PAGER = "pager"
    OTHER = "other"


class ContactPointUse(models.TextChoices):
    HOME = "home"
    WORK = "work"
    TEMP = "temp"
    OLD = "old"
    OTHER = "other"
    MOBILE = "mobile"
    AUTOMATION = "automation"


class ContactPointState(models.TextChoices):
    ACTIVE = "active"
    DELETED = "deleted"


class PatientContactPoint(Timestamped):
    dbid = models.BigAutoField(primary_key=True)
    id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="telecom")
    system = models.CharField(max_length=8, choices=ContactPointSystem.choices)
    value = models.CharField(max_length=200)
    use = models.CharField(max_length=12, choices=ContactPointUse.choices, default=ContactPointUse.HOME)
    use_notes = models.CharField(max_length=200, blank=True)
    rank = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=8, choices=ContactPointState.choices, default=ContactPointState.ACTIVE)
    has_consent = models.BooleanField(default=False)
    opted_out = models.BooleanField(default=False)
    last_verified = models.DateTimeField(null=True, blank=True)
    # Verification bookkeeping: the digest of the code last sent, when, and wrong guesses since.
    verification_token = models.CharField(max_length=64, blank=True, editable=False)
    verification_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    verification_attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["system", "rank"]
        constraints = [
            models.CheckConstraint(condition=Q(rank__gte=1), name="contact_point_rank_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.system}: {self.value}"

    @property
    def is_verified(self) -> bool:
        return self.last_verified is not None


class CareTeamMembershipStatus(models.TextChoices):
    PROPOSED = "proposed"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    INACTIVE = "inactive"
    ENTERED_IN_ERROR = "entered-in-error"


class CareTeamMembership(Timestamped):
    dbid = models.BigAutoField(primary_key=True)
    id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="care_team_memberships")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="care_team_memberships")
    status = models.CharField(
        max_length=20,
        choices=CareTeamMembershipStatus.choices,
        default=CareTeamMembershipStatus.ACTIVE,
    )
    role_code = models.CharField(max_length=20, blank=True)
    role_system = models.CharField(max_length=100, blank=True, default="http://snomed.info/sct")
    role_display = models.CharField(max_length=100, blank=True)
    lead = models.BooleanField(default=False)

    class Meta:
        ordering = ["-lead", "role_display"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "staff", "role_code"], name="care_team_unique_role"),
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(lead=True, status="active"),
                name="care_team_one_lead",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} — {self.role_display or 'care team'}"


class ChartQuerySet(models.QuerySet):
    """Canvas's chart managers: `.committed()`, `.active()`, `.for_patient(id)`."""

    def committed(self) -> Self:
        return self.filter(committer__isnull=False, entered_in_error__isnull=True, deleted=False)

    def for_patient(self, patient_id: str) -> Self:
        return self.filter(patient__id=patient_id)


class ChartRecord(Timestamped):
    """Fields Canvas's chart models share: committed by someone, possibly entered in error."""

    dbid = models.BigAutoField(primary_key=True)
    id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    deleted = models.BooleanField(default=False)
    committer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_in_error = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True


def first_coding(item: models.Model) -> Coding | None:
    """The item's first coding, read from `prefetch_related("codings")` when that was used.

    (`codings.first()` would query again for every row: the coding tables have no ordering.)
    """
    return min(item.codings.all(), key=lambda coding: coding.dbid, default=None)  # type: ignore[attr-defined]


class Coding(models.Model):
    dbid = models.BigAutoField(primary_key=True)
    system = models.CharField(max_length=200)
    code = models.CharField(max_length=64)
    display = models.CharField(max_length=300)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display


class ConditionQuerySet(ChartQuerySet):
    def active(self) -> Self:
        return self.committed().filter(clinical_status__in=["active", "relapse"])

    def in_summary(self) -> Self:
        return self.committed().filter(show_in_summary=True)


class Condition(ChartRecord):
    class ClinicalStatus(models.TextChoices):
        ACTIVE = "active"
        RELAPSE = "relapse"
        REMISSION = "remission"
        RESOLVED = "resolved"
        INVESTIGATIVE = "investigative"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="conditions")
    clinical_status = models.CharField(max_length=16, choices=ClinicalStatus.choices, default=ClinicalStatus.ACTIVE)
    onset_date = models.DateField(null=True, blank=True)
    resolution_date = models.DateField(null=True, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    surgical = models.BooleanField(default=False)
    show_in_summary = models.BooleanField(
        default=True, help_text="Shown on the chart summary and in the portal's My Health."
    )
    last_assessed_date = models.DateField(null=True, blank=True)
    last_assessed_by = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ConditionQuerySet.as_manager()

    class Meta:
        ordering = ["-onset_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolution_date__isnull=True)
                | Q(onset_date__isnull=True)
                | Q(resolution_date__gte=models.F("onset_date")),
                name="condition_resolved_after_onset",
            ),
        ]

    def __str__(self) -> str:
        coding = first_coding(self)
        return coding.display if coding else f"Condition {self.id}"


class ConditionCoding(Coding):
    condition = models.ForeignKey(Condition, on_delete=models.CASCADE, related_name="codings")


class MedicationQuerySet(ChartQuerySet):
    def active(self) -> Self:
        return self.committed().filter(status="active")


class Medication(ChartRecord):
    class Status(models.TextChoices):
        ACTIVE = "active"
        INACTIVE = "inactive"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="medications")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    start_date = models.DateTimeField(null=True, blank=True)
    end_date = models.DateTimeField(null=True, blank=True)
    sig = models.TextField(blank=True, help_text="Instructions, e.g. “1 tablet by mouth daily”")
    last_prescriber = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = MedicationQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]

    def __str__(self) -> str:
        coding = first_coding(self)
        return coding.display if coding else f"Medication {self.id}"

    @property
    def latest_sig(self) -> str:
        return self.sig


class MedicationCoding(Coding):
    medication = models.ForeignKey(Medication, on_delete=models.CASCADE, related_name="codings")


class AllergyIntoleranceQuerySet(ChartQuerySet):
    def active(self) -> Self:
        return self.committed().filter(status="active")


class AllergyIntolerance(ChartRecord):
    class Status(models.TextChoices):
        ACTIVE = "active"
        INACTIVE = "inactive"

    class Severity(models.TextChoices):
        MILD = "mild"
        MODERATE = "moderate"
        SEVERE = "severe"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="allergy_intolerances")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    severity = models.CharField(max_length=8, choices=Severity.choices, blank=True)
    narrative = models.CharField(max_length=500, blank=True, help_text="Reaction, e.g. “hives”")
    onset_date = models.DateField(null=True, blank=True)
    recorded_date = models.DateTimeField(null=True, blank=True)

    objects = AllergyIntoleranceQuerySet.as_manager()

    class Meta:
        ordering = ["-onset_date"]
        verbose_name = "allergy"
        verbose_name_plural = "allergies"

    def __str__(self) -> str:
        coding = first_coding(self)
        return coding.display if coding else f"Allergy {self.id}"

    @property
    def reaction(self) -> str:
        return self.narrative


class AllergyIntoleranceCoding(Coding):
    allergy_intolerance = models.ForeignKey(AllergyIntolerance, on_delete=models.CASCADE, related_name="codings")


class StaffContactPoint(Timestamped):
    """A staff member's work phone or email (Canvas's StaffContactPoint); rank 1 comes first."""

    dbid = models.BigAutoField(primary_key=True)
    id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="telecom")
    system = models.CharField(max_length=8, choices=ContactPointSystem.choices)
    value = models.CharField(max_length=200)
    use = models.CharField(max_length=12, choices=ContactPointUse.choices, default=ContactPointUse.WORK)
    rank = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=8, choices=ContactPointState.choices, default=ContactPointState.ACTIVE)

    class Meta:
        ordering = ["system", "rank"]
        constraints = [
            models.CheckConstraint(condition=Q(rank__gte=1), name="staff_contact_point_rank_positive"),
            models.CheckConstraint(
                condition=Q(system__in=ContactPointSystem.values), name="staff_contact_point_system_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system}: {self.value}"


class AddressUse(models.TextChoices):
    HOME = "home"
    WORK = "work"
    TEMP = "temp"
    OLD = "old"


class AddressType(models.TextChoices):
    POSTAL = "postal"
    PHYSICAL = "physical"
    BOTH = "both"


class Address(Timestamped):
    """A postal address (Canvas's PatientAddress and StaffAddress). Deleting marks it `deleted`; it is kept."""

    dbid = models.BigAutoField(primary_key=True)
    id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    line1 = models.CharField(max_length=200, blank=True)
    line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    district = models.CharField(max_length=100, blank=True)
    state_code = models.CharField(max_length=2, blank=True, help_text="Two-letter state code, e.g. MA")
    postal_code = models.CharField(max_length=10, blank=True)
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166 alpha-2")
    use = models.CharField(max_length=8, choices=AddressUse.choices, default=AddressUse.HOME)
    type = models.CharField(max_length=8, choices=AddressType.choices, default=AddressType.BOTH)
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    state = models.CharField(max_length=8, choices=ContactPointState.choices, default=ContactPointState.ACTIVE)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return ", ".join(p for p in (self.line1, self.city, self.state_code, self.postal_code) if p)


def _address_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=~Q(line1="") | ~Q(city="") | ~Q(postal_code=""), name=f"{prefix}_address_not_empty"
        ),
        models.CheckConstraint(condition=Q(use__in=AddressUse.values), name=f"{prefix}_address_use_known"),
        models.CheckConstraint(condition=Q(type__in=AddressType.values), name=f"{prefix}_address_type_known"),
        models.CheckConstraint(condition=Q(state__in=ContactPointState.values), name=f"{prefix}_address_state_known"),
        models.CheckConstraint(
            condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            name=f"{prefix}_address_latitude_range",
        ),
        models.CheckConstraint(
            condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
            name=f"{prefix}_address_longitude_range",
        ),
        models.CheckConstraint(
            condition=Q(start__isnull=True) | Q(end__isnull=True) | Q(end__gte=models.F("start")),
            name=f"{prefix}_address_period_ordered",
        ),
    ]


class PatientAddress(Address):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="addresses")

    class Meta:
        ordering = ["use", "dbid"]
        verbose_name_plural = "patient addresses"
        constraints = _address_constraints("patient")


class StaffAddress(Address):
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="addresses")

    class Meta:
        ordering = ["use", "dbid"]
        verbose_name_plural = "staff addresses"
        constraints = _address_constraints("staff")


class ExternalIdentifier(Timestamped):
    """An identifier another system gave a record (Canvas's *ExternalIdentifier models).

    (system, value) is unique per kind of record: it is how `frontdesk import-fhir` finds what it
    imported before, so a second run updates instead of duplicating.
    """

    dbid = models.BigAutoField(primary_key=True)
    id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    use = models.CharField(max_length=16, blank=True)
    identifier_type = models.CharField(max_length=20, blank=True, help_text="v2-0203 code, e.g. MR, SS, NPI")
    system = models.CharField(max_length=255)
    value = models.CharField(max_length=255)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.system}|{self.value}"


def _identifier_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.UniqueConstraint(fields=["system", "value"], name=f"{prefix}_identifier_unique"),
        models.CheckConstraint(condition=~Q(system="") & ~Q(value=""), name=f"{prefix}_identifier_not_empty"),
    ]


class PatientExternalIdentifier(ExternalIdentifier):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="external_identifiers")

    class Meta:
        constraints = _identifier_constraints("patient")


class StaffExternalIdentifier(ExternalIdentifier):
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="external_identifiers")

    class Meta:
        constraints = _identifier_constraints("staff")


class PracticeLocationExternalIdentifier(ExternalIdentifier):
    location = models.ForeignKey(PracticeLocation, on_delete=models.CASCADE, related_name="external_identifiers")

    class Meta:
        constraints = _identifier_constraints("location")


class ConditionExternalIdentifier(ExternalIdentifier):
    condition = models.ForeignKey(Condition, on_delete=models.CASCADE, related_name="external_identifiers")

    class Meta:
        constraints = _identifier_constraints("condition")


class MedicationExternalIdentifier(ExternalIdentifier):
    medication = models.ForeignKey(Medication, on_delete=models.CASCADE, related_name="external_identifiers")

    class Meta:
        constraints = _identifier_constraints("medication")


class AllergyIntoleranceExternalIdentifier(ExternalIdentifier):
    allergy_intolerance = models.ForeignKey(
        AllergyIntolerance, on_delete=models.CASCADE, related_name="external_identifiers"
    )

    class Meta:
        constraints = _identifier_constraints("allergy")
