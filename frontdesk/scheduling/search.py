"""The read side of scheduling: load providers' availability, time off and bookings for a window
in a fixed number of queries, and hand them to the pure slot engine (`scheduling/slots.py`).

`open_slots(...)` is what the portal, the back office and the FHIR Slot search call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Prefetch, Q

from frontdesk.clinic.models import PracticeLocation, Staff
from frontdesk.scheduling import slots
from frontdesk.scheduling.models import (
    Appointment,
    AppointmentProgressStatus,
    Availability,
    AvailabilityException,
    NoteType,
)


def _locations_of(provider: Staff) -> list[PracticeLocation]:
    locations = list(provider.practice_locations.all())
    if not locations and provider.primary_practice_location is not None:
        locations = [provider.primary_practice_location]
    return [location for location in locations if location.active]


def _busy_rows(provider_ids: list[int], low: datetime, high: datetime) -> list[tuple[int, datetime, int, int | None]]:
    """(provider, start, minutes, note type) of live appointments starting in [low, high).

    The hottest query of a search (thousands of rows): run as plain SQL so rows skip the ORM's
    per-value converters.
    """
    if not provider_ids:
        return []
    table = connection.ops.quote_name(Appointment._meta.db_table)
    marks = ", ".join(["%s"] * len(provider_ids))
    # Times travel as text (SQLite) or epoch microseconds (PostgreSQL) and become aware datetimes
    # here: several times faster than the drivers' per-value timestamp converters.
    start_column = (
        "CAST(start_time AS TEXT)"
        if connection.vendor == "sqlite"
        else "(extract(epoch from start_time) * 1000000)::bigint"
    )
    sql = (
        f"SELECT provider_id, {start_column}, duration_minutes, note_type_id FROM {table} "  # noqa: S608 (only placeholders are interpolated)
        f"WHERE provider_id IN ({marks}) AND start_time >= %s AND start_time < %s "
        "AND status <> %s AND entered_in_error_id IS NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*provider_ids, low, high, AppointmentProgressStatus.CANCELLED])
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        return [
            (p, (b if isinstance(b, datetime) else datetime.fromisoformat(b)).replace(tzinfo=UTC), m, n)
            for p, b, m, n in rows
        ]
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return [(p, epoch + timedelta(microseconds=us), m, n) for p, us, m, n in rows]


def schedules(providers: Iterable[Staff], *, start: datetime, end: datetime) -> list[slots.ProviderSchedule]:
    """Each provider's rules, openings, blocks and busy time around [start, end) (4 queries plus prefetches)."""
    providers = list(providers)
    ids = [p.pk for p in providers]
    margin = timedelta(days=1, hours=1)  # a visit lasts at most a day; buffers and windows reach across the edges
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
    # Buffers by note type from one small query, so the big one needs no join.
    buffers = {
        pk: (timedelta(minutes=b), timedelta(minutes=a))
        for pk, b, a in NoteType.objects.values_list("pk", "buffer_before_minutes", "buffer_after_minutes")
    }
    none = (timedelta(0), timedelta(0))
    booked = _busy_rows(ids, start - margin, end + margin)
    minute = timedelta(minutes=1)
    for provider_id, begins, minutes, note_type_id in booked:
        before, after = buffers.get(note_type_id, none) if note_type_id is not None else none
        busy[provider_id].append(slots.trusted_interval(begins - before, begins + minutes * minute + after))
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
