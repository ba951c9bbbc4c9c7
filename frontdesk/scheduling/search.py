"""The read side of scheduling: load providers' availability, time off and bookings for a window
in a fixed number of queries, and hand them to the pure slot engine (`scheduling/slots.py`).

`open_slots(...)` is what the portal, the back office and the FHIR Slot search call.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Model

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


@lru_cache(maxsize=4096)
def _uuid(value: Any) -> str:
    """A UUID column read by plain SQL (SQLite: 32 hex digits), in the ORM's str() form.

    Cached: a search sees the same few location and note-type keys on every provider's rows."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


def _epoch_us(column: str) -> str:
    """SQL for a datetime column as integer microseconds since the Unix epoch, exactly."""
    if connection.vendor != "sqlite":
        return f"(extract(epoch from {column}) * 1000000)::bigint"
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC. Whole seconds from the date functions
    # (unixepoch() from 3.38) given the first 19 characters only: they round a fraction to
    # milliseconds, so :59.999999 would come out a second late. Microseconds from the text.
    whole = f"substr({column}, 1, 19)"
    seconds = (
        f"unixepoch({whole})"
        if sqlite3.sqlite_version_info >= (3, 38)
        else f"CAST(strftime('%%s', {whole}) AS INTEGER)"
    )
    return f"({seconds} * 1000000 + CAST(substr(substr({column}, 21) || '000000', 1, 6) AS INTEGER))"


def _busy(
    provider_ids: list[int],
    low: datetime,
    high: datetime,
    buffers: dict[int, tuple[int, int]],
    *,
    ignore: int | None = None,
) -> dict[int, list[tuple[int, int]]]:
    """provider pk → busy time: the live appointments starting in [low, high) as (from, until)
    in µs since the epoch, widened by their note type's `buffers` (pk → µs before, after), in
    order of start.

    The hottest query of a search (thousands of rows): plain SQL whose rows come sorted by the
    (provider, start_time) index, with times as integers from the database, so rows skip the
    drivers' timestamp converters and the grouping below is one pass.
    """
    if not provider_ids:
        return {}
    table = connection.ops.quote_name(Appointment._meta.db_table)
    marks = ", ".join(["%s"] * len(provider_ids))
    sql = (
        f"SELECT provider_id, {_epoch_us('start_time')}, duration_minutes * 60000000, note_type_id FROM {table} "  # noqa: S608 (only placeholders are interpolated)
        f"WHERE provider_id IN ({marks}) AND start_time >= %s AND start_time < %s "
        "AND status <> %s AND entered_in_error_id IS NULL AND dbid <> %s ORDER BY provider_id, start_time"
    )
    rows = _rows(
        sql,
        [
            *provider_ids,
            _when(low),
            _when(high),
            AppointmentProgressStatus.CANCELLED,
            ignore if ignore is not None else -1,
        ],
    )
    widened = {pk: pair for pk, pair in buffers.items() if pair != (0, 0)}
    if not widened:
        return {pk: [(b, b + d) for _, b, d, _ in group] for pk, group in groupby(rows, key=itemgetter(0))}
    none = (0, 0)
    busy: dict[int, list[tuple[int, int]]] = {}
    for pk, group in groupby(rows, key=itemgetter(0)):
        spans = busy[pk] = []
        for _, b, d, note_type in group:
            before, after = widened.get(note_type, none)
            spans.append((b - before, b + d + after))
    return busy


class ProviderRef(NamedTuple):
    pk: int
    id: str  # Staff.id, the 32-character key slots are reported under


def _places(who: str, params: list[Any]) -> tuple[list[ProviderRef], dict[int, list[tuple[str, str]]]]:
    """The providers `who` (SQL on staff `s`) picks, and for each pk the [(location key, time
    zone)] of the active locations they practise at (their practice locations, else their primary
    location). One query."""
    through = _table(Staff.practice_locations.through)
    staff, location = _table(Staff), _table(PracticeLocation)
    key = connection.ops.quote_name(Staff._meta.get_field("id").column)
    # The second part lists every chosen provider once, with their primary location if active.
    sql = (
        f"SELECT 0, s.dbid, s.{key}, l.id, l.time_zone FROM {staff} s JOIN {through} t ON t.staff_id = s.dbid "  # noqa: S608 (only placeholders are interpolated)
        f"JOIN {location} l ON l.dbid = t.practicelocation_id AND l.active WHERE {who} "
        f"UNION ALL SELECT 1, s.dbid, s.{key}, l.id, l.time_zone FROM {staff} s "
        f"LEFT JOIN {location} l ON l.dbid = s.primary_practice_location_id AND l.active WHERE {who}"
    )
    refs: list[ProviderRef] = []
    practised: dict[int, list[tuple[str, str]]] = defaultdict(list)
    primary: dict[int, tuple[str, str]] = {}
    for is_primary, staff_pk, staff_key, place, zone in _rows(sql, [*params, *params]):
        if not is_primary:
            practised[staff_pk].append((_uuid(place), zone))
            continue
        refs.append(ProviderRef(staff_pk, staff_key))
        if place is not None:
            primary[staff_pk] = (_uuid(place), zone)
    places: dict[int, list[tuple[str, str]]] = {}
    for ref in refs:
        if practised.get(ref.pk):
            places[ref.pk] = practised[ref.pk]
        elif ref.pk in primary:
            places[ref.pk] = [primary[ref.pk]]
    return refs, places


def schedules(
    providers: Iterable[Staff | ProviderRef], *, start: datetime, end: datetime, ignore: Appointment | None = None
) -> list[slots.ProviderSchedule]:
    """Each provider's rules, openings, blocks and busy time around [start, end).

    Five queries whatever the number of providers (places, availability with its note types, time
    off, buffers, busy time), in plain SQL returning plain values (no model instances, and no
    ORM compiling: that cost more than the database's work): a search for fifty providers must
    stay within a few milliseconds. `ignore` is an appointment whose time
    does not count as busy (the one being rescheduled).
    """
    refs = [ProviderRef(p.pk, str(p.id)) for p in providers]
    if not refs:
        return []
    _, places = _places(f"s.dbid IN ({_marks(refs)})", [ref.pk for ref in refs])
    return _schedules(refs, places, start=start, end=end, ignore=ignore)


def _schedules(
    refs: list[ProviderRef],
    places: dict[int, list[tuple[str, str]]],
    *,
    start: datetime,
    end: datetime,
    ignore: Appointment | None,
) -> list[slots.ProviderSchedule]:
    if not refs:
        return []
    ids = [ref.pk for ref in refs]
    margin = timedelta(days=1, hours=1)  # a visit lasts at most a day; buffers and windows reach across the edges
    zones: dict[str, ZoneInfo] = {}

    def zone(name: str) -> ZoneInfo:
        found = zones.get(name)
        if found is None:
            found = zones[name] = ZoneInfo(name)
        return found

    marks = _marks(ids)
    availability, location = _table(Availability), _table(PracticeLocation)
    through, note_type = _table(Availability.note_types.through), _table(NoteType)
    # One row per (window, note type it is limited to), or one with NULL when it takes any.
    windows: dict[int, tuple[Any, ...]] = {}
    allowed: dict[int, set[str]] = defaultdict(set)
    for row in _rows(
        "SELECT a.dbid, a.provider_id, l.id, a.frequency, a.interval, a.weekdays, a.start_date, a.end_date, "  # noqa: S608 (only placeholders are interpolated)
        f"a.start_time, a.end_time, a.hold, n.unique_identifier FROM {availability} a "
        f"LEFT JOIN {location} l ON l.dbid = a.location_id LEFT JOIN {through} t ON t.availability_id = a.dbid "
        f"LEFT JOIN {note_type} n ON n.dbid = t.notetype_id "
        f"WHERE a.provider_id IN ({marks}) AND a.start_date <= %s AND (a.end_date IS NULL OR a.end_date >= %s)",
        [
            *ids,
            connection.ops.adapt_datefield_value((end + margin).date()),
            connection.ops.adapt_datefield_value((start - margin).date()),
        ],
    ):
        windows[row[0]] = row[1:-1]
        if row[-1] is not None:
            allowed[row[0]].add(_uuid(row[-1]))
    rules: dict[int, list[slots.Rule]] = defaultdict(list)
    made: dict[tuple[Any, ...], slots.Rule] = {}  # providers with the same hours share one Rule
    for window_pk, (
        provider_pk,
        location_key,
        frequency,
        interval,
        weekdays,
        first,
        last,
        begins,
        ends,
        hold,
    ) in windows.items():
        note_types = frozenset(allowed[window_pk]) or None
        window_location = _uuid(location_key) if location_key is not None else None
        if isinstance(weekdays, str):  # SQLite keeps JSON as text
            weekdays = json.loads(weekdays)
        days = frozenset(weekdays or [])
        for key, zone_name in places.get(provider_pk, ()):
            if window_location is not None and key != window_location:
                continue
            shape = (key, zone_name, frequency, interval, days, first, last, begins, ends, note_types, hold)
            rule = made.get(shape)
            if rule is None:
                rule = made[shape] = slots.Rule(
                    location=key,
                    zone=zone(zone_name),
                    frequency=frequency,
                    interval=interval,
                    weekdays=days,
                    start_date=first,
                    end_date=last,
                    start=begins,
                    end=ends,
                    note_types=note_types,
                    hold=hold,
                )
            rules[provider_pk].append(rule)
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
        for key, zone_name in places.get(provider_pk, ()):
            if location_key is None or key == location_key:
                openings[provider_pk].append(
                    slots.Opening(location=key, start=opens_at, end=closes_at, hold=hold, zone=zone(zone_name))
                )
    # Buffers by note type from one small query, so the big one needs no join.
    minute = 60_000_000  # µs
    buffers = {
        pk: (b * minute, a * minute)
        for pk, b, a in _rows(
            f"SELECT dbid, buffer_before_minutes, buffer_after_minutes FROM {_table(NoteType)}",  # noqa: S608 (no values interpolated)
            [],
        )
    }
    busy = _busy(ids, start - margin, end + margin, buffers, ignore=ignore.pk if ignore is not None else None)
    return [
        slots.ProviderSchedule(
            provider=ref.id,
            rules=tuple(rules[ref.pk]),
            openings=tuple(openings[ref.pk]),
            blocks=tuple(blocks[ref.pk]),
            busy_us=tuple(busy.get(ref.pk, ())),
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
) -> slots.OpenSlots:
    """Open slots for `note_type` starting in [start, end), across `providers` (default: every
    schedulable provider, at `location` if given). `for_patient` applies the note type's notice
    and horizon (staff book inside them). `ignore`: an appointment being rescheduled, whose own time
    is offered again."""
    if providers is None:
        # Every schedulable provider (at `location`: practising there or based there).
        who, params = "s.active AND s.is_schedulable", []
        if location is not None:
            through = _table(Staff.practice_locations.through)
            who += (
                f" AND (s.primary_practice_location_id = %s OR EXISTS (SELECT 1 FROM {through} x "  # noqa: S608 (only placeholders are interpolated)
                "WHERE x.staff_id = s.dbid AND x.practicelocation_id = %s))"
            )
            params = [location.pk, location.pk]
    else:
        chosen = [ProviderRef(p.pk, str(p.id)) for p in providers]
        who, params = f"s.dbid IN ({_marks(chosen)})", [ref.pk for ref in chosen]
    refs, places = _places(who, params)
    if providers is not None:
        refs = chosen  # as given (the engine merges a provider listed twice)
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
    return slots.find_slots(_schedules(refs, places, start=start, end=end, ignore=ignore), request)
