"""The read side of scheduling: load providers' availability, time off and bookings for a window
in a fixed number of queries, and hand them to the pure slot engine (`scheduling/slots.py`).

`open_slots(...)` is what the portal, the back office and the FHIR Slot search call.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Model, Q

from frontdesk.clinic.models import PracticeLocation, Staff
from frontdesk.scheduling import slots
from frontdesk.scheduling.models import (
    Appointment,
    AppointmentProgressStatus,
    Availability,
    AvailabilityException,
    NoteType,
)


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _marks(values: list[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _when(value: datetime) -> Any:
    """A datetime as the database compares it (SQLite: naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def _aware(value: datetime) -> datetime:
    """A datetime column read by plain SQL: SQLite gives naive UTC, PostgreSQL aware."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _uuid(value: Any) -> str:
    """A UUID column read by plain SQL (SQLite: 32 hex digits), in the ORM's str() form."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


def _busy_rows(
    provider_ids: list[int], low: datetime, high: datetime, *, ignore: int | None = None
) -> list[tuple[int, datetime, int, int | None]]:
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
        "AND status <> %s AND entered_in_error_id IS NULL AND dbid <> %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                *provider_ids,
                _when(low),
                _when(high),
                AppointmentProgressStatus.CANCELLED,
                ignore if ignore is not None else -1,
            ],
        )
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        return [
            (p, (b if isinstance(b, datetime) else datetime.fromisoformat(b)).replace(tzinfo=UTC), m, n)
            for p, b, m, n in rows
        ]
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return [(p, epoch + timedelta(microseconds=us), m, n) for p, us, m, n in rows]


class ProviderRef(NamedTuple):
    pk: int
    id: str  # Staff.id, the 32-character key slots are reported under


def _places(provider_pks: list[int]) -> dict[int, list[tuple[str, str]]]:
    """provider pk → [(location key, time zone)] of the active locations they practise at
    (their practice locations, else their primary location). One query."""
    if not provider_pks:
        return {}
    through = _table(Staff.practice_locations.through)
    staff, location = _table(Staff), _table(PracticeLocation)
    marks = _marks(provider_pks)
    sql = (
        f"SELECT 0, t.staff_id, l.id, l.time_zone FROM {through} t JOIN {location} l ON l.dbid = t.practicelocation_id "  # noqa: S608 (only placeholders are interpolated)
        f"WHERE t.staff_id IN ({marks}) AND l.active "
        f"UNION ALL SELECT 1, s.dbid, l.id, l.time_zone FROM {staff} s JOIN {location} l "
        f"ON l.dbid = s.primary_practice_location_id WHERE s.dbid IN ({marks}) AND l.active"
    )
    practised: dict[int, list[tuple[str, str]]] = defaultdict(list)
    primary: dict[int, tuple[str, str]] = {}
    for is_primary, staff_pk, key, zone in sorted(_rows(sql, [*provider_pks, *provider_pks]), key=lambda r: r[0]):
        if is_primary:
            primary[staff_pk] = (_uuid(key), zone)
        else:
            practised[staff_pk].append((_uuid(key), zone))
    places: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for staff_pk in provider_pks:
        if practised.get(staff_pk):
            places[staff_pk] = practised[staff_pk]
        elif staff_pk in primary:
            places[staff_pk] = [primary[staff_pk]]
    return places


def schedules(
    providers: Iterable[Staff | ProviderRef], *, start: datetime, end: datetime, ignore: Appointment | None = None
) -> list[slots.ProviderSchedule]:
    """Each provider's rules, openings, blocks and busy time around [start, end).

    Six small queries whatever the number of providers, in plain SQL returning plain values (no
    model instances, and no ORM compiling: that cost more than the database's work): a search for
    fifty providers must stay within a few milliseconds. `ignore` is an appointment whose time
    does not count as busy (the one being rescheduled).
    """
    refs = [ProviderRef(p.pk, str(p.id)) for p in providers]
    if not refs:
        return []
    ids = [ref.pk for ref in refs]
    margin = timedelta(days=1, hours=1)  # a visit lasts at most a day; buffers and windows reach across the edges
    places = _places(ids)
    zones: dict[str, ZoneInfo] = {}

    def zone(name: str) -> ZoneInfo:
        found = zones.get(name)
        if found is None:
            found = zones[name] = ZoneInfo(name)
        return found

    marks = _marks(ids)
    availability, location = _table(Availability), _table(PracticeLocation)
    windows = _rows(
        "SELECT a.dbid, a.provider_id, l.id, a.frequency, a.interval, a.weekdays, a.start_date, a.end_date, "  # noqa: S608 (only placeholders are interpolated)
        f"a.start_time, a.end_time, a.hold FROM {availability} a LEFT JOIN {location} l ON l.dbid = a.location_id "
        f"WHERE a.provider_id IN ({marks}) AND a.start_date <= %s AND (a.end_date IS NULL OR a.end_date >= %s)",
        [
            *ids,
            connection.ops.adapt_datefield_value((end + margin).date()),
            connection.ops.adapt_datefield_value((start - margin).date()),
        ],
    )
    allowed: dict[int, set[str]] = defaultdict(set)
    if windows:
        window_pks = [w[0] for w in windows]
        through, note_type = _table(Availability.note_types.through), _table(NoteType)
        for window_pk, identifier in _rows(
            f"SELECT t.availability_id, n.unique_identifier FROM {through} t JOIN {note_type} n "  # noqa: S608 (only placeholders are interpolated)
            f"ON n.dbid = t.notetype_id WHERE t.availability_id IN ({_marks(window_pks)})",
            window_pks,
        ):
            allowed[window_pk].add(_uuid(identifier))
    rules: dict[int, list[slots.Rule]] = defaultdict(list)
    for window_pk, provider_pk, location_key, frequency, interval, weekdays, first, last, begins, ends, hold in windows:
        note_types = frozenset(allowed[window_pk]) or None
        window_location = _uuid(location_key) if location_key is not None else None
        if isinstance(weekdays, str):  # SQLite keeps JSON as text
            weekdays = json.loads(weekdays)
        for key, zone_name in places[provider_pk]:
            if window_location is not None and key != window_location:
                continue
            rules[provider_pk].append(
                slots.Rule(
                    location=key,
                    zone=zone(zone_name),
                    frequency=frequency,
                    interval=interval,
                    weekdays=frozenset(weekdays or []),
                    start_date=first,
                    end_date=last,
                    start=begins,
                    end=ends,
                    note_types=note_types,
                    hold=hold,
                )
            )
    openings: dict[int, list[slots.Opening]] = defaultdict(list)
    blocks: dict[int, list[slots.Interval]] = defaultdict(list)
    exception = _table(AvailabilityException)
    for provider_pk, kind, location_key, opens_at, closes_at, hold in _rows(
        f"SELECT e.provider_id, e.kind, l.id, e.starts_at, e.ends_at, e.hold FROM {exception} e "  # noqa: S608 (only placeholders are interpolated)
        f"LEFT JOIN {location} l ON l.dbid = e.location_id "
        f"WHERE e.provider_id IN ({marks}) AND e.starts_at < %s AND e.ends_at > %s",
        [*ids, _when(end + margin), _when(start - margin)],
    ):
        opens_at, closes_at = _aware(opens_at), _aware(closes_at)
        location_key = _uuid(location_key) if location_key is not None else None
        if kind == AvailabilityException.Kind.BLOCK:
            blocks[provider_pk].append(slots.Interval(opens_at, closes_at))
            continue
        for key, zone_name in places[provider_pk]:
            if location_key is None or key == location_key:
                openings[provider_pk].append(
                    slots.Opening(location=key, start=opens_at, end=closes_at, hold=hold, zone=zone(zone_name))
                )
    # Buffers by note type from one small query, so the big one needs no join.
    buffers = {
        pk: (timedelta(minutes=b), timedelta(minutes=a))
        for pk, b, a in _rows(
            f"SELECT dbid, buffer_before_minutes, buffer_after_minutes FROM {_table(NoteType)}",  # noqa: S608 (no values interpolated)
            [],
        )
    }
    none = (timedelta(0), timedelta(0))
    minute = timedelta(minutes=1)
    busy: dict[int, list[slots.Interval]] = defaultdict(list)
    for provider_pk, booked_at, minutes, note_type_id in _busy_rows(
        ids, start - margin, end + margin, ignore=ignore.pk if ignore is not None else None
    ):
        before, after = buffers.get(note_type_id, none) if note_type_id is not None else none
        busy[provider_pk].append(slots.trusted_interval(booked_at - before, booked_at + minutes * minute + after))
    return [
        slots.ProviderSchedule(
            provider=ref.id,
            rules=tuple(rules[ref.pk]),
            openings=tuple(openings[ref.pk]),
            blocks=tuple(blocks[ref.pk]),
            busy=tuple(busy[ref.pk]),
        )
        for ref in refs
    ]


def open_slots(
    *,
    note_type: NoteType,
    start: datetime,
    end: datetime,
    now: datetime,
    providers: Iterable[Staff | ProviderRef] | None = None,
    location: PracticeLocation | None = None,
    duration_minutes: int | None = None,
    for_patient: bool = True,
    ignore: Appointment | None = None,
) -> list[slots.Slot]:
    """Open slots for `note_type` starting in [start, end), across `providers` (default: every
    schedulable provider, at `location` if given). `for_patient` applies the note type's notice
    and horizon (staff book inside them). `ignore`: an appointment being rescheduled, whose own time
    is offered again."""
    if providers is None:
        chosen = Staff.objects.filter(active=True, is_schedulable=True)
        if location is not None:
            chosen = chosen.filter(Q(practice_locations=location) | Q(primary_practice_location=location)).distinct()
        refs: list[Staff | ProviderRef] = [ProviderRef(pk, key) for pk, key in chosen.values_list("pk", "id")]
    else:
        refs = list(providers)
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
    return slots.find_slots(schedules(refs, start=start, end=end, ignore=ignore), request)
