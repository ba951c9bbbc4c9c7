"""Every write to scheduling data: note types, availability, and the life of an appointment
(book, cancel, reschedule, check in, no-show, restore), shared by the portal, the back office,
the FHIR API and plugin effects.

No provider is ever double-booked. On PostgreSQL an exclusion constraint refuses overlapping live
appointments (migration 0003); on SQLite every transaction takes the write lock when it begins
(IMMEDIATE), so the overlap check below and the insert cannot interleave with another booking.
Either way the loser gets `SlotUnavailable` ("This appointment time is no longer available.").
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from constance import config
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from frontdesk.audit.services import Actor, record, save_recorded
from frontdesk.clinic.models import Patient, PracticeLocation, Staff
from frontdesk.events.services import record_event
from frontdesk.scheduling.models import (
    IDENTIFIER_PERIOD_END,
    IDENTIFIER_PERIOD_START,
    Appointment,
    AppointmentExternalIdentifier,
    AppointmentProgressStatus,
    Availability,
    AvailabilityException,
    CalendarExport,
    CalendarFeed,
    NoteType,
    NoteTypeCategory,
    ReasonForVisit,
)

TAKEN = "This appointment time is no longer available."
log = logging.getLogger(__name__)


class SlotUnavailable(Exception):
    """Someone else has the time (or it is not bookable): the patient picks another slot."""

    def __init__(self, message: str = TAKEN) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class NewIdentifier:
    """An identifier another system gives an appointment (the period defaults are Canvas's)."""

    value: str
    system: str = ""
    use: str = ""
    issued_date: date = IDENTIFIER_PERIOD_START
    expiration_date: date = IDENTIFIER_PERIOD_END
    assigner: str = ""


@transaction.atomic
def save_note_type(*, actor: Actor, note_type: NoteType, changed: list[str] | None = None) -> NoteType:
    """Validate and save a note type. Raises ValidationError."""
    return save_recorded(actor=actor, obj=note_type, action="note_type", detail={"fields": sorted(changed or [])})


@transaction.atomic
def save_availability(*, actor: Actor, availability: Availability, changed: list[str] | None = None) -> Availability:
    """Validate and save a recurring availability window. Raises ValidationError."""
    created = availability._state.adding
    weekdays = availability.weekdays or []
    if not isinstance(weekdays, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in weekdays):
        raise ValidationError({"weekdays": "Weekdays are numbers from 0 (Monday) to 6 (Sunday)."})
    availability.weekdays = sorted(set(weekdays))
    if (
        availability.location_id is not None
        and not availability.provider.practice_locations.filter(pk=availability.location_id).exists()
    ):
        raise ValidationError({"location": f"{availability.provider} does not practise at this location."})
    availability.full_clean()
    availability.save()
    record(
        actor=actor,
        action="availability.created" if created else "availability.updated",
        target=availability,
        detail={"fields": sorted(changed or [])},
    )
    return availability


@transaction.atomic
def save_availability_exception(
    *, actor: Actor, exception: AvailabilityException, changed: list[str] | None = None
) -> AvailabilityException:
    """Validate and save a block or one-off opening. Raises ValidationError."""
    if exception.starts_at and exception.ends_at and exception.ends_at <= exception.starts_at:
        raise ValidationError({"ends_at": "The end must be after the start."})
    return save_recorded(actor=actor, obj=exception, action="availability_exception", detail={"kind": exception.kind})


def clean_durations(value: Any) -> list[int]:
    """Allowed visit lengths, sorted and unique. Raises ValidationError (key "durations")."""
    durations = value or []
    if not isinstance(durations, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 0 < d <= 480 for d in durations
    ):
        raise ValidationError({"durations": "Durations are whole minutes between 1 and 480, e.g. [15, 30]."})
    return sorted(set(durations))


@transaction.atomic
def save_reason_for_visit(*, actor: Actor, reason: ReasonForVisit, changed: list[str] | None = None) -> ReasonForVisit:
    """Validate and save a structured reason for visit. Raises ValidationError."""
    reason.durations = clean_durations(reason.durations)
    return save_recorded(actor=actor, obj=reason, action="reason_for_visit", detail={"fields": sorted(changed or [])})


@transaction.atomic
def save_calendar_export(*, actor: Actor, export: CalendarExport) -> CalendarExport:
    """Save a provider's published calendar; a new one gets its secret address token."""
    if not export.token:
        export.token = secrets.token_urlsafe(32)
    return save_recorded(actor=actor, obj=export, action="calendar_export", detail={"busy_only": export.busy_only})


# --- appointments ----------------------------------------------------------------------------------


def _context(appointment: Appointment) -> dict[str, Any]:
    return {"patient": {"id": appointment.patient.id}} if appointment.patient is not None else {}


def _event(name: str, appointment: Appointment, actor: Actor) -> None:
    record_event(name=name, target=appointment, target_type="Appointment", context=_context(appointment), actor=actor)


def _audit(action: str, appointment: Appointment, actor: Actor, **detail: Any) -> None:
    record(
        actor=actor,
        action=action,
        patient_key=appointment.patient.id if appointment.patient is not None else "",
        target=appointment,
        detail=detail,
    )


def overlapping(
    provider: Staff, start: datetime, end: datetime, *, exclude: Appointment | None = None
) -> list[Appointment]:
    """Live appointments of `provider` that overlap [start, end)."""
    candidates = Appointment.objects.live().filter(
        provider=provider, start_time__lt=end, start_time__gte=start - timedelta(days=1)
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    return [a for a in candidates if a.end_time > start]


def meeting_link_for(provider: Staff | None, appointment_id: Any) -> str | None:
    """The provider's personal room, else the configured pattern, else None."""
    if provider is not None and provider.personal_meeting_room_link:
        return provider.personal_meeting_room_link
    pattern = str(config.TELEHEALTH_LINK_PATTERN or "")
    return pattern.replace("{appointment_id}", str(appointment_id)) if pattern else None


def _check_booking(
    *,
    patient: Patient | None,
    provider: Staff | None,
    location: PracticeLocation | None,
    note_type: NoteType,
    reason: ReasonForVisit | None,
    duration: int,
) -> None:
    errors: dict[str, str] = {}
    if not note_type.is_active or not note_type.is_scheduleable:
        errors["note_type"] = f"“{note_type}” cannot be scheduled."
    if patient is None and note_type.is_patient_required:
        errors["patient"] = f"A {note_type} needs a patient."
    if patient is not None and not patient.active:
        errors["patient"] = "This patient's record is not active."
    if provider is not None and (not provider.active or not provider.is_schedulable):
        errors["provider"] = f"{provider} cannot be booked."
    if (
        provider is not None
        and location is not None
        and not provider.practice_locations.filter(pk=location.pk).exists()
        and provider.primary_practice_location_id != location.pk
    ):
        errors["location"] = f"{provider} does not practise at {location}."
    if reason is not None:
        if not reason.is_active:
            errors["reason_for_visit"] = f"“{reason}” is no longer offered."
        elif reason.durations and duration not in reason.durations:
            errors["duration_minutes"] = (
                f"“{reason}” is booked for {', '.join(str(d) for d in reason.durations)} minutes."
            )
    if not 0 < duration <= 1440:
        errors["duration_minutes"] = "A visit lasts between 1 minute and 24 hours."
    if errors:
        raise ValidationError(errors)


def book_appointment(
    *,
    actor: Actor,
    patient: Patient | None,
    provider: Staff | None,
    location: PracticeLocation | None,
    note_type: NoteType,
    start_time: datetime,
    duration_minutes: int | None = None,
    reason_for_visit: ReasonForVisit | None = None,
    comment: str = "",
    description: str = "",
    status: str = AppointmentProgressStatus.UNCONFIRMED,
    idempotency_key: str | None = None,
    rescheduled_from: Appointment | None = None,
    meeting_link: str | None = None,
    identifiers: Sequence[NewIdentifier] = (),
) -> Appointment:
    """Book one appointment (or another event, without a patient, for schedule-event types).

    `meeting_link` is the video address (a telehealth type's default: `meeting_link_for`); another
    system's `identifiers` are stored with it. A request repeated with the same `idempotency_key`
    returns the first booking. Raises ValidationError for bad input and SlotUnavailable when the
    provider is busy then.
    """
    if timezone.is_naive(start_time):
        raise ValidationError({"start_time": "The start must include its time zone."})
    if idempotency_key:
        existing = Appointment.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.patient_id != (patient.pk if patient else None):
                raise ValidationError("This request key was already used for another booking.")
            return existing
    duration = duration_minutes or note_type.online_duration or 30
    _check_booking(
        patient=patient,
        provider=provider,
        location=location,
        note_type=note_type,
        reason=reason_for_visit,
        duration=duration,
    )
    _check_identifiers(identifiers)
    try:
        with transaction.atomic():
            appointment = _insert(
                actor=actor, patient=patient, provider=provider, location=location, note_type=note_type, start_time=start_time,
                duration=duration, reason=reason_for_visit, comment=comment, description=description, status=status,
                idempotency_key=idempotency_key, rescheduled_from=rescheduled_from, meeting_link=meeting_link,
            )  # fmt: skip
            if identifiers:
                _replace_identifiers(appointment, identifiers, today=timezone.now().date())
    except IntegrityError as exc:
        # PostgreSQL's exclusion constraint (another booking won the race) or a reused key.
        if idempotency_key and Appointment.objects.filter(idempotency_key=idempotency_key).exists():
            return Appointment.objects.get(idempotency_key=idempotency_key)
        if "appointment_no_overlap" in str(exc) or "exclusion" in str(exc).lower():
            raise SlotUnavailable() from None
        raise
    return appointment


def _insert(
    *, actor: Actor, patient: Patient | None, provider: Staff | None, location: PracticeLocation | None, note_type: NoteType,
    start_time: datetime, duration: int, reason: ReasonForVisit | None, comment: str, description: str, status: str,
    idempotency_key: str | None, rescheduled_from: Appointment | None, meeting_link: str | None = None,
) -> Appointment:  # fmt: skip
    end = start_time + timedelta(minutes=duration)
    if provider is not None and overlapping(provider, start_time, end):
        raise SlotUnavailable()
    appointment = Appointment(
        patient=patient, provider=provider, location=location, note_type=note_type, start_time=start_time,
        duration_minutes=duration, reason_for_visit=reason, comment=comment or None, description=description or None,
        status=status, idempotency_key=idempotency_key or None, appointment_rescheduled_from=rescheduled_from,
    )  # fmt: skip
    if meeting_link:
        appointment.meeting_link = meeting_link
    elif note_type.is_telehealth:
        appointment.meeting_link = meeting_link_for(provider, appointment.id)
    appointment.full_clean(exclude=["idempotency_key"])
    appointment.save()
    kind = "event" if note_type.category == NoteTypeCategory.SCHEDULE_EVENT else "appointment"
    _audit(
        f"{kind}.created", appointment, actor, start=start_time.isoformat(), provider=provider.id if provider else None
    )
    _event("APPOINTMENT_CREATED", appointment, actor)
    return appointment


def _set_status(appointment: Appointment, status: str) -> None:
    appointment.status = status
    appointment.save(update_fields=["status", "modified"])


@transaction.atomic
def cancel_appointment(
    *, actor: Actor, appointment: Appointment, via_portal: bool = False, reason: str = ""
) -> Appointment:
    """Cancel: frees the provider's time. Emits APPOINTMENT_CANCELED (and the portal event)."""
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient", "note_type")
        .get(pk=appointment.pk)
    )
    if appointment.status == AppointmentProgressStatus.CANCELLED:
        raise ValidationError("This appointment is already cancelled.")
    if via_portal and not appointment.is_cancelable(timezone.now()):
        raise ValidationError("This appointment can no longer be cancelled online. Please call the clinic.")
    _set_status(appointment, AppointmentProgressStatus.CANCELLED)
    _audit("appointment.cancelled", appointment, actor, reason=reason, via_portal=via_portal)
    _event("APPOINTMENT_CANCELED", appointment, actor)
    if via_portal:
        _event("PATIENT_PORTAL__APPOINTMENT_CANCELED", appointment, actor)
    return appointment


def reschedule_appointment(
    *,
    actor: Actor,
    appointment: Appointment,
    start_time: datetime,
    provider: Staff | None = None,
    location: PracticeLocation | None = None,
    via_portal: bool = False,
    idempotency_key: str | None = None,
) -> Appointment:
    """Move a visit: a new appointment linked to the old one (`appointment_rescheduled_from`),
    keeping its details; the old one is cancelled. Emits APPOINTMENT_RESCHEDULED (target: the
    new one) and, from the portal, PATIENT_PORTAL__APPOINTMENT_RESCHEDULED.

    Raises ValidationError and SlotUnavailable; nothing changes when it does.
    """
    if idempotency_key:
        existing = Appointment.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None and existing.appointment_rescheduled_from_id == appointment.pk:
            return existing
    with transaction.atomic():
        old = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("patient", "provider", "location", "note_type")
            .get(pk=appointment.pk)
        )
        if not old.is_live or old.status not in (
            AppointmentProgressStatus.UNCONFIRMED,
            AppointmentProgressStatus.CONFIRMED,
        ):
            raise ValidationError("Only an upcoming, booked appointment can be rescheduled.")
        if via_portal and not old.is_reschedulable(timezone.now()):
            raise ValidationError("This appointment can no longer be rescheduled online. Please call the clinic.")
        if old.note_type is None:
            raise ValidationError("This appointment has no appointment type; reschedule it in the back office.")
        _set_status(old, AppointmentProgressStatus.CANCELLED)
        new = book_appointment(
            actor=actor, patient=old.patient, provider=provider or old.provider, location=location or old.location,
            note_type=old.note_type, start_time=start_time, duration_minutes=old.duration_minutes,
            reason_for_visit=old.reason_for_visit, comment=old.comment or "", description=old.description or "",
            idempotency_key=idempotency_key, rescheduled_from=old,
        )  # fmt: skip
        _audit("appointment.rescheduled", old, actor, to=str(new.id), via_portal=via_portal)
        _event("APPOINTMENT_RESCHEDULED", new, actor)
        if via_portal:
            _event("PATIENT_PORTAL__APPOINTMENT_RESCHEDULED", new, actor)
    return new


@transaction.atomic
def check_in(*, actor: Actor, appointment: Appointment) -> Appointment:
    """Mark the patient arrived. Emits APPOINTMENT_CHECKED_IN."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not appointment.is_live or appointment.status not in (
        AppointmentProgressStatus.UNCONFIRMED,
        AppointmentProgressStatus.CONFIRMED,
        AppointmentProgressStatus.ATTEMPTED,
    ):
        raise ValidationError("Only a booked appointment can be checked in.")
    _set_status(appointment, AppointmentProgressStatus.ARRIVED)
    _audit("appointment.checked_in", appointment, actor)
    _event("APPOINTMENT_CHECKED_IN", appointment, actor)
    return appointment


@transaction.atomic
def mark_no_show(*, actor: Actor, appointment: Appointment) -> Appointment:
    """Mark the patient did not come. Emits APPOINTMENT_NO_SHOWED."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not appointment.is_live or appointment.status in (
        AppointmentProgressStatus.NOSHOWED,
        AppointmentProgressStatus.EXITED,
    ):
        raise ValidationError("Only a booked appointment can be marked as a no-show.")
    _set_status(appointment, AppointmentProgressStatus.NOSHOWED)
    _audit("appointment.no_showed", appointment, actor)
    _event("APPOINTMENT_NO_SHOWED", appointment, actor)
    return appointment


def restore_appointment(*, actor: Actor, appointment: Appointment) -> Appointment:
    """Undo a cancellation or no-show (the time must still be free). Emits APPOINTMENT_RESTORED.

    Raises ValidationError and SlotUnavailable.
    """
    try:
        with transaction.atomic():
            current = Appointment.objects.select_for_update().get(pk=appointment.pk)
            if current.status not in (AppointmentProgressStatus.CANCELLED, AppointmentProgressStatus.NOSHOWED):
                raise ValidationError("Only a cancelled or no-show appointment can be restored.")
            if current.appointment_rescheduled_to.exists():
                raise ValidationError("This appointment was rescheduled; change the new one instead.")
            if current.provider is not None and overlapping(
                current.provider, current.start_time, current.end_time, exclude=current
            ):
                raise SlotUnavailable()
            _set_status(current, AppointmentProgressStatus.UNCONFIRMED)
            _audit("appointment.restored", current, actor)
            _event("APPOINTMENT_RESTORED", current, actor)
    except IntegrityError:
        raise SlotUnavailable() from None
    return current


@transaction.atomic
def save_appointment(*, actor: Actor, appointment: Appointment, changed: list[str] | None = None) -> Appointment:
    """Save an appointment edited in the back office (times checked for overlaps). Emits
    APPOINTMENT_CREATED or APPOINTMENT_UPDATED. Raises ValidationError and SlotUnavailable."""
    created = appointment._state.adding
    appointment.full_clean(exclude=["idempotency_key"])
    if (
        appointment.is_live
        and appointment.provider is not None
        and overlapping(
            appointment.provider, appointment.start_time, appointment.end_time, exclude=None if created else appointment
        )
    ):
        raise SlotUnavailable()
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError:
        raise SlotUnavailable() from None
    _audit(
        "appointment.created" if created else "appointment.updated", appointment, actor, fields=sorted(changed or [])
    )
    _event("APPOINTMENT_CREATED" if created else "APPOINTMENT_UPDATED", appointment, actor)
    return appointment


# What each changeable field's booking rules are about (`_check_booking`'s error keys).
_RULES_FOR = {
    "provider": {"provider", "location"},
    "location": {"location"},
    "note_type": {"note_type", "patient"},
    "reason_for_visit": {"reason_for_visit", "duration_minutes"},
    "duration_minutes": {"duration_minutes", "reason_for_visit"},
}
_MOVES = {"start_time", "duration_minutes", "provider"}


def _check_identifiers(identifiers: Sequence[NewIdentifier]) -> None:
    keys = [(i.system, i.value) for i in identifiers]
    if len(set(keys)) != len(keys):
        raise ValidationError({"identifiers": "An identifier (system and value) is given twice."})
    for new in identifiers:
        if new.expiration_date < new.issued_date:
            raise ValidationError({"identifiers": f"The identifier {new.value} ends before it starts."})


def _replace_identifiers(appointment: Appointment, identifiers: Sequence[NewIdentifier], *, today: date) -> bool:
    """Canvas's rule: the identifiers given replace the stored ones, except that stored ones that
    have already expired (their period ended before today) are kept as history. Return whether
    anything changed."""
    sent = {(i.system, i.value): i for i in identifiers}
    changed = False
    for stored in list(appointment.external_identifiers.all()):
        new = sent.pop((stored.system, stored.value), None)
        if new is None:
            if stored.expiration_date >= today:
                stored.delete()
                changed = True
            continue
        values = {
            "use": new.use,
            "issued_date": new.issued_date,
            "expiration_date": new.expiration_date,
            "assigner": new.assigner,
        }
        if any(getattr(stored, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(stored, key, value)
            stored.full_clean()
            stored.save()
            changed = True
    for new in sent.values():
        identifier = AppointmentExternalIdentifier(
            appointment=appointment,
            system=new.system,
            value=new.value,
            use=new.use,
            issued_date=new.issued_date,
            expiration_date=new.expiration_date,
            assigner=new.assigner,
        )
        identifier.full_clean(exclude=["appointment"])
        identifier.save()
        changed = True
    return changed


def update_appointment(
    *,
    actor: Actor,
    appointment: Appointment,
    start_time: datetime | None = None,
    duration_minutes: int | None = None,
    provider: Staff | None = None,
    location: PracticeLocation | None = None,
    note_type: NoteType | None = None,
    reason_for_visit: ReasonForVisit | None = None,
    comment: str | None = None,
    description: str | None = None,
    meeting_link: str | None = None,
    identifiers: Sequence[NewIdentifier] | None = None,
) -> Appointment:
    """Change an appointment in place (Canvas's FHIR update; the portal's reschedule makes a new,
    linked appointment instead). None keeps a field's stored value; `identifiers` replace the
    stored ones by `_replace_identifiers`'s rule. The patient and the status are not changed here.

    A move (start, length or provider) of a live appointment is checked against the provider's
    other appointments exactly as a booking is; changed fields are checked against the booking
    rules. Records the changed fields and emits APPOINTMENT_UPDATED when anything changed.

    Raises ValidationError and SlotUnavailable; nothing changes when it does.
    """
    if start_time is not None and timezone.is_naive(start_time):
        raise ValidationError({"start_time": "The start must include its time zone."})
    if identifiers is not None:
        _check_identifiers(identifiers)
    wanted: dict[str, Any] = {
        "start_time": start_time,
        "duration_minutes": duration_minutes,
        "provider": provider,
        "location": location,
        "note_type": note_type,
        "reason_for_visit": reason_for_visit,
        "comment": comment,
        "description": description,
        "meeting_link": meeting_link,
    }
    try:
        with transaction.atomic():
            current = (
                Appointment.objects.select_for_update(of=("self",))
                .select_related("patient", "provider", "location", "note_type", "reason_for_visit")
                .get(pk=appointment.pk)
            )
            if current.entered_in_error_id is not None:
                raise ValidationError("An appointment entered in error cannot be changed.")
            changed = [k for k, v in wanted.items() if v is not None and getattr(current, k) != v]
            for name in changed:
                setattr(current, name, wanted[name])
            rules = set().union(*(_RULES_FOR.get(name, set()) for name in changed))
            if rules and current.note_type is not None:
                try:
                    _check_booking(
                        patient=current.patient,
                        provider=current.provider,
                        location=current.location,
                        note_type=current.note_type,
                        reason=current.reason_for_visit,
                        duration=current.duration_minutes,
                    )
                except ValidationError as exc:
                    broken = {k: v for k, v in exc.error_dict.items() if k in rules}
                    if broken:
                        raise ValidationError(broken) from None
            if (
                _MOVES & set(changed)
                and current.is_live
                and current.provider is not None
                and overlapping(current.provider, current.start_time, current.end_time, exclude=current)
            ):
                raise SlotUnavailable()
            if identifiers is not None and _replace_identifiers(current, identifiers, today=timezone.now().date()):
                changed.append("identifiers")
            if not changed:
                return current
            current.full_clean(exclude=["idempotency_key"])
            current.save(update_fields=[*(n for n in changed if n != "identifiers"), "modified"])
            _audit("appointment.updated", current, actor, fields=sorted(changed))
            _event("APPOINTMENT_UPDATED", current, actor)
    except IntegrityError as exc:
        # PostgreSQL's exclusion constraint: another booking took the time meanwhile.
        if "appointment_no_overlap" in str(exc) or "exclusion" in str(exc).lower():
            raise SlotUnavailable() from None
        raise
    return current


# The statuses `set_appointment_status` moves between; the others have their own services.
_PLAIN_STATUSES = (
    AppointmentProgressStatus.UNCONFIRMED,
    AppointmentProgressStatus.ATTEMPTED,
    AppointmentProgressStatus.CONFIRMED,
    AppointmentProgressStatus.ARRIVED,
    AppointmentProgressStatus.ROOMED,
    AppointmentProgressStatus.EXITED,
)


@transaction.atomic
def set_appointment_status(*, actor: Actor, appointment: Appointment, status: str) -> Appointment:
    """Move a live appointment along its progress (unconfirmed, attempted, confirmed, arrived,
    roomed, exited). Cancelling, no-shows and undoing them have their own services
    (`cancel_appointment`, `mark_no_show`, `restore_appointment`). Emits APPOINTMENT_UPDATED when
    the status changes.

    Raises ValidationError.
    """
    if status not in _PLAIN_STATUSES:
        raise ValidationError({"status": f"“{status}” is set by its own action (cancel, no-show), not as a status."})
    current = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient", "note_type")
        .get(pk=appointment.pk)
    )
    if current.entered_in_error_id is not None:
        raise ValidationError("An appointment entered in error cannot be changed.")
    if current.status == AppointmentProgressStatus.CANCELLED:
        raise ValidationError("A cancelled appointment cannot be moved to another status.")
    if current.status == status:
        return current
    previous = current.status
    _set_status(current, status)
    _audit("appointment.status_changed", current, actor, previous=previous, status=status)
    _event("APPOINTMENT_UPDATED", current, actor)
    return current


@transaction.atomic
def delete_availability(*, actor: Actor, availability: Availability) -> None:
    """Remove a recurring window (booked appointments stay)."""
    record(actor=actor, action="availability.deleted", target=availability)
    availability.delete()


# --- calendar feeds -----------------------------------------------------------------------------------

SYNC_DAYS_BACK = 1
SYNC_DAYS_AHEAD = 180


@transaction.atomic
def save_calendar_feed(*, actor: Actor, feed: CalendarFeed, changed: list[str] | None = None) -> CalendarFeed:
    """Validate and save an iCalendar source. The address is checked (https/webcal only), never logged."""
    from frontdesk.scheduling.ical import IcalError, to_webcal_https

    created = feed._state.adding
    if feed.url:
        try:
            feed.url = to_webcal_https(feed.url.strip())
        except IcalError as exc:
            raise ValidationError({"url": str(exc)}) from None
    feed.full_clean()
    feed.save()
    record(
        actor=actor,
        action="calendar_feed.created" if created else "calendar_feed.updated",
        target=feed,
        detail={"fields": sorted(set(changed or []) - {"url", "content"})},
    )
    return feed


@dataclass(frozen=True)
class SyncResult:
    created: int = 0
    error: str = ""


def sync_calendar_feed(*, actor: Actor, feed: CalendarFeed, now: datetime | None = None) -> SyncResult:
    """Fetch (or read) the feed, expand its events over the next months, and replace the blocks
    or openings it produced last time. A failure keeps the previous import and is recorded on
    the feed (`last_error`), shown to staff."""
    from frontdesk.scheduling.ical import IcalError, fetch_calendar, parse_calendar

    now = now or timezone.now()
    zone = ZoneInfo(feed.location.time_zone if feed.location else feed.provider.time_zone)
    try:
        data = fetch_calendar(feed.url) if feed.url else feed.content.encode()
        events = parse_calendar(
            data,
            start=now - timedelta(days=SYNC_DAYS_BACK),
            end=now + timedelta(days=SYNC_DAYS_AHEAD),
            default_zone=zone,
        )
    except IcalError as exc:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_error=str(exc)[:2000])
        return SyncResult(error=str(exc))
    kind = (
        AvailabilityException.Kind.OPEN
        if feed.purpose == CalendarFeed.Purpose.AVAILABILITY
        else AvailabilityException.Kind.BLOCK
    )
    wanted = [e for e in events if e.busy or kind == AvailabilityException.Kind.OPEN]
    with transaction.atomic():
        AvailabilityException.objects.filter(calendar=feed).delete()
        AvailabilityException.objects.bulk_create(
            [
                AvailabilityException(
                    provider=feed.provider,
                    location=feed.location,
                    kind=kind,
                    starts_at=e.start,
                    ends_at=e.end,
                    reason=e.summary[:200] if kind == AvailabilityException.Kind.OPEN else "",
                    calendar=feed,
                    calendar_uid=f"{e.uid}|{e.recurrence_id or ''}"[:300],
                )
                for e in wanted
                if e.end > e.start
            ]
        )
        CalendarFeed.objects.filter(pk=feed.pk).update(last_synced_at=now, last_error="")
        record(actor=actor, action="calendar_feed.synced", target=feed, detail={"events": len(wanted)})
    return SyncResult(created=len(wanted))


def sync_due_calendars(*, now: datetime | None = None) -> int:
    """Sync every active feed whose interval has passed; return how many were synced."""
    now = now or timezone.now()
    count = 0
    for feed in CalendarFeed.objects.filter(is_active=True).select_related(
        "provider__primary_practice_location", "location"
    ):
        if feed.last_synced_at is None or feed.last_synced_at + timedelta(minutes=feed.sync_every_minutes) <= now:
            try:
                sync_calendar_feed(actor=Actor.system("calendar-sync"), feed=feed, now=now)
            except Exception as exc:  # one feed's unexpected failure must not stop the others
                log.exception("calendar feed %s failed to sync", feed.pk)
                CalendarFeed.objects.filter(pk=feed.pk).update(
                    last_error=f"Unexpected error while syncing: {type(exc).__name__}"
                )
            count += 1
    return count
