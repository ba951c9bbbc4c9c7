"""The read side of scheduling: load providers' availability, time off and bookings for a window
in a fixed number of queries, and hand them to the pure slot engine (`scheduling/slots.py`).

`open_slots(...)` is what the portal, the back office and the FHIR Slot search call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q

from frontdesk.clinic.models import PracticeLocation, Staff
from frontdesk.scheduling import slots
from frontdesk.scheduling.models import Appointment, Availability, AvailabilityException, NoteType


def _locations_of(provider: Staff) -> list[PracticeLocation]:
    locations = list(provider.practice_locations.all())
    if not locations and provider.primary_practice_location is not None:
        locations = [provider.primary_practice_location]
    return [location for location in locations if location.active]


def schedules(providers: Iterable[Staff], *, start: datetime, end: datetime) -> list[slots.ProviderSchedule]:
    """Each provider's rules, openings, blocks and busy time around [start, end) (4 queries plus prefetches)."""
    providers = list(providers)
    ids = [p.pk for p in providers]
    margin = timedelta(days=2)  # windows crossing midnight, long visits and buffers reach across the edges
    rules: dict[int, list[Availability]] = defaultdict(list)
    availability = (
        Availability.objects.filter(provider_id__in=ids, start_date__lte=(end + margin).date())
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=(start - margin).date()))
        .select_related("location")
        .prefetch_related(Prefetch("note_types", queryset=NoteType.objects.only("unique_identifier")))
    )
    for row in availability:
        rules[row.provider_id].append(row)
    exceptions: dict[int, list[AvailabilityException]] = defaultdict(list)
    for exception in AvailabilityException.objects.filter(
        provider_id__in=ids, starts_at__lt=end + margin, ends_at__gt=start - margin
    ).select_related("location"):
        exceptions[exception.provider_id].append(exception)
    busy: dict[int, list[slots.Interval]] = defaultdict(list)
    booked = (
        Appointment.objects.live()
        .filter(provider_id__in=ids, start_time__lt=end + margin, start_time__gte=start - margin)
        .values_list(
            "provider_id",
            "start_time",
            "duration_minutes",
            "note_type__buffer_before_minutes",
            "note_type__buffer_after_minutes",
        )
    )
    for provider_id, begins, minutes, before, after in booked:
        busy[provider_id].append(
            slots.Interval(begins - timedelta(minutes=before or 0), begins + timedelta(minutes=minutes + (after or 0)))
        )
    result = []
    for provider in providers:
        locations = _locations_of(provider)
        by_key = {str(loc.id): loc for loc in locations}
        provider_rules: list[slots.Rule] = []
        for row in rules[provider.pk]:
            note_types = frozenset(str(nt.unique_identifier) for nt in row.note_types.all()) or None
            for location in [row.location] if row.location_id else locations:
                if location is None or str(location.id) not in by_key:
                    continue
                provider_rules.append(
                    slots.Rule(
                        location=str(location.id),
                        zone=ZoneInfo(location.time_zone),
                        frequency=row.frequency,
                        interval=row.interval,
                        weekdays=frozenset(row.weekdays or []),
                        start_date=row.start_date,
                        end_date=row.end_date,
                        start=row.start_time,
                        end=row.end_time,
                        note_types=note_types,
                        hold=row.hold,
                    )
                )
        openings = []
        blocks = []
        for change in exceptions[provider.pk]:
            if change.kind == AvailabilityException.Kind.BLOCK:
                blocks.append(slots.Interval(change.starts_at, change.ends_at))
                continue
            for location in [change.location] if change.location_id else locations:
                if location is not None and str(location.id) in by_key:
                    openings.append(
                        slots.Opening(
                            location=str(location.id),
                            start=change.starts_at,
                            end=change.ends_at,
                            hold=change.hold,
                            zone=ZoneInfo(location.time_zone),
                        )
                    )
        result.append(
            slots.ProviderSchedule(
                provider=provider.id,
                rules=tuple(provider_rules),
                openings=tuple(openings),
                blocks=tuple(blocks),
                busy=tuple(busy[provider.pk]),
            )
        )
    return result


def open_slots(
    *,
    note_type: NoteType,
    start: datetime,
    end: datetime,
    now: datetime,
    providers: Iterable[Staff] | None = None,
    location: PracticeLocation | None = None,
    duration_minutes: int | None = None,
    for_patient: bool = True,
) -> list[slots.Slot]:
    """Open slots for `note_type` starting in [start, end), across `providers` (default: every
    schedulable provider, at `location` if given). `for_patient` applies the note type's notice
    and horizon (staff book inside them)."""
    if providers is None:
        providers = Staff.objects.filter(active=True, is_schedulable=True)
        if location is not None:
            providers = providers.filter(
                Q(practice_locations=location) | Q(primary_practice_location=location)
            ).distinct()
    providers = list(
        providers.prefetch_related("practice_locations").select_related("primary_practice_location")
        if hasattr(providers, "prefetch_related")
        else providers
    )
    duration = timedelta(minutes=duration_minutes or note_type.online_duration or 30)
    request = slots.SlotRequest(
        note_type=str(note_type.unique_identifier),
        duration=duration,
        start=start,
        end=end,
        now=now,
        step=timedelta(minutes=note_type.slot_step_minutes) if note_type.slot_step_minutes else None,
        buffer_before=timedelta(minutes=note_type.buffer_before_minutes),
        buffer_after=timedelta(minutes=note_type.buffer_after_minutes),
        min_notice=timedelta(minutes=note_type.min_notice_minutes) if for_patient else timedelta(0),
        horizon=timedelta(days=note_type.horizon_days) if for_patient else None,
        location=str(location.id) if location is not None else None,
    )
    return slots.find_slots(schedules(providers, start=start, end=end), request)
