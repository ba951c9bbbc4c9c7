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


def _rows_together(queries: list[tuple[str, list[Any]]]) -> list[list[tuple[Any, ...]]]:
    """Run `queries` and return the rows of each. On PostgreSQL they go in one pipeline (psycopg's
    pipeline mode): one round trip for all instead of one each."""
    if connection.vendor != "postgresql" or len(queries) < 2 or not _pipelines():
        return [_rows(sql, params) for sql, params in queries]
    connection.ensure_connection()
    cursors = [connection.cursor() for _ in queries]
    try:
        with connection.connection.pipeline():
            for cursor, (sql, params) in zip(cursors, queries, strict=True):
                cursor.execute(sql, params)
        return [cursor.fetchall() for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()


@lru_cache(maxsize=1)
def _pipelines() -> bool:
    """Whether the libpq under psycopg has pipeline mode (14 and later; the binary wheel's has)."""
    import psycopg  # only when PostgreSQL is in use

    return psycopg.Pipeline.is_supported()


def _one_of(column: str, values: list[int]) -> tuple[str, list[Any]]:
    """SQL and parameters for `column` being one of `values`: on PostgreSQL one array parameter
    (a short query psycopg can cache and the server can prepare once whatever the count), on
    SQLite a placeholder each."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


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


def epoch_us_sql(column: str) -> str:
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


def _busy_query(
    providers: tuple[str, list[Any]], low: datetime, high: datetime, *, ignore: int | None = None
) -> tuple[str, list[Any]]:
    """SQL for (provider, start, duration, note type) of the live appointments of `providers` (SQL
    on `provider_id` and its parameters) starting in [low, high), times in µs since the epoch,
    sorted by provider and start.

    The hottest query of a search (thousands of rows): plain SQL whose rows come in the order of
    the (provider, start_time) index, with times as integers from the database, so rows skip the
    drivers' timestamp converters and `_busy` groups them in one pass.
    """
    table = connection.ops.quote_name(Appointment._meta.db_table)
    chosen, params = providers
    sql = (
        f"SELECT provider_id, {epoch_us_sql('start_time')}, duration_minutes * 60000000, note_type_id FROM {table} "  # noqa: S608 (only placeholders are interpolated)
        f"WHERE {chosen} AND start_time >= %s AND start_time < %s "
        "AND status <> %s AND entered_in_error_id IS NULL AND dbid <> %s ORDER BY provider_id, start_time"
    )
    params = [
        *params,
        _when(low),
        _when(high),
        AppointmentProgressStatus.CANCELLED,
        ignore if ignore is not None else -1,
    ]
    return sql, params


def _busy(rows: list[tuple[Any, ...]], buffers: dict[int, tuple[int, int]]) -> dict[int, list[tuple[int, int]]]:
    """provider pk → busy time, from `_busy_query`'s rows: (from, until) in µs, widened by each
    appointment's note type `buffers` (pk → µs before, after), in order of start."""
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


class _Chosen(NamedTuple):
    """The providers a search is for: `who`, SQL on staff `s` with `params`; `given`, the
    providers as the caller named them, if it did."""

    who: str
    params: list[Any]
    given: list[ProviderRef] | None = None


def _places_query(chosen: _Chosen) -> tuple[str, list[Any]]:
    """SQL for the chosen providers and the active locations they practise at: rows (0, pk, key,
    location key, time zone) per practice location, and (1, pk, key, primary location key or
    NULL, time zone) once per provider."""
    through = _table(Staff.practice_locations.through)
    staff, location = _table(Staff), _table(PracticeLocation)
    key = connection.ops.quote_name(Staff._meta.get_field("id").column)
    who, params = chosen.who, chosen.params
    sql = (
        f"SELECT 0, s.dbid, s.{key}, l.id, l.time_zone FROM {staff} s JOIN {through} t ON t.staff_id = s.dbid "  # noqa: S608 (only placeholders are interpolated)
        f"JOIN {location} l ON l.dbid = t.practicelocation_id AND l.active WHERE {who} "
        f"UNION ALL SELECT 1, s.dbid, s.{key}, l.id, l.time_zone FROM {staff} s "
        f"LEFT JOIN {location} l ON l.dbid = s.primary_practice_location_id AND l.active WHERE {who}"
    )
    return sql, [*params, *params]


def _places(rows: list[tuple[Any, ...]]) -> tuple[list[ProviderRef], dict[int, list[tuple[str, str]]]]:
    """From `_places_query`'s rows: the providers, and for each pk the [(location key, time zone)]
    where they practise (their practice locations, else their primary location)."""
    refs: list[ProviderRef] = []
    practised: dict[int, list[tuple[str, str]]] = defaultdict(list)
    primary: dict[int, tuple[str, str]] = {}
    for is_primary, staff_pk, staff_key, place, zone in rows:
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


def _given(providers: Iterable[Staff | ProviderRef]) -> _Chosen:
    refs = [ProviderRef(p.pk, str(p.id)) for p in providers]
    return _Chosen(*_one_of("s.dbid", [ref.pk for ref in refs]), given=refs)


def schedules(
    providers: Iterable[Staff | ProviderRef], *, start: datetime, end: datetime, ignore: Appointment | None = None
) -> list[slots.ProviderSchedule]:
    """Each provider's rules, openings, blocks and busy time around [start, end).

    Five queries whatever the number of providers (providers and places, availability with its
    note types, time off, buffers, busy time), in plain SQL returning plain values (no model
    instances, and no ORM compiling: that cost more than the database's work), sent together (one
    round trip on PostgreSQL): a search for fifty providers must stay within a few milliseconds.
    `ignore` is an appointment whose time does not count as busy (the one being rescheduled).
    """
    return _schedules(_given(providers), start=start, end=end, ignore=ignore)


def _schedules(
    chosen: _Chosen, *, start: datetime, end: datetime, ignore: Appointment | None
) -> list[slots.ProviderSchedule]:
    margin = timedelta(days=1, hours=1)  # a visit lasts at most a day; buffers and windows reach across the edges
    zones: dict[str, ZoneInfo] = {}

    def zone(name: str) -> ZoneInfo:
        found = zones.get(name)
        if found is None:
            found = zones[name] = ZoneInfo(name)
        return found

    later: list[tuple[str, list[Any]]] = []  # the places query, when it can go with the others
    if chosen.given is None:
        # Who they are, first: matching them by a subquery in each query below costs the
        # database more than this round trip.
        refs, places = _places(_rows(*_places_query(chosen)))
    else:
        refs = chosen.given  # as given (the engine merges a provider listed twice)
        later.append(_places_query(chosen))
    ids = [ref.pk for ref in refs]
    if not ids:
        return []
    windows_of, window_params = _one_of("a.provider_id", ids)
    exceptions_of, exception_params = _one_of("e.provider_id", ids)
    availability, location = _table(Availability), _table(PracticeLocation)
    through, note_type, exception = (
        _table(Availability.note_types.through),
        _table(NoteType),
        _table(AvailabilityException),
    )
    *place_rows, window_rows, exception_rows, buffer_rows, busy_rows = _rows_together(
        [
            *later,
            # One row per (window, note type it is limited to), or one with NULL when it takes any.
            (
                "SELECT a.dbid, a.provider_id, l.id, a.frequency, a.interval, a.weekdays, a.start_date, a.end_date, "  # noqa: S608 (only placeholders are interpolated)
                f"a.start_time, a.end_time, a.hold, n.unique_identifier FROM {availability} a "
                f"LEFT JOIN {location} l ON l.dbid = a.location_id LEFT JOIN {through} t ON t.availability_id = a.dbid "
                f"LEFT JOIN {note_type} n ON n.dbid = t.notetype_id "
                f"WHERE {windows_of} AND a.start_date <= %s AND (a.end_date IS NULL OR a.end_date >= %s)",
                [
                    *window_params,
                    connection.ops.adapt_datefield_value((end + margin).date()),
                    connection.ops.adapt_datefield_value((start - margin).date()),
                ],
            ),
            (
                f"SELECT e.provider_id, e.kind, l.id, e.starts_at, e.ends_at, e.hold FROM {exception} e "  # noqa: S608 (only placeholders are interpolated)
                f"LEFT JOIN {location} l ON l.dbid = e.location_id "
                f"WHERE {exceptions_of} AND e.starts_at < %s AND e.ends_at > %s",
                [*exception_params, _when(end + margin), _when(start - margin)],
            ),
            # Buffers by note type from their own small query, so the big one needs no join.
            (f"SELECT dbid, buffer_before_minutes, buffer_after_minutes FROM {note_type}", []),  # noqa: S608 (no values interpolated)
            _busy_query(
                _one_of("provider_id", ids),
                start - margin,
                end + margin,
                ignore=ignore.pk if ignore is not None else None,
            ),
        ]
    )
    if place_rows:
        _, places = _places(place_rows[0])
    windows: dict[int, tuple[Any, ...]] = {}
    allowed: dict[int, set[str]] = defaultdict(set)
    for row in window_rows:
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
    for provider_pk, kind, location_key, opens_at, closes_at, hold in exception_rows:
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
    minute = 60_000_000  # µs
    busy = _busy(busy_rows, {pk: (b * minute, a * minute) for pk, b, a in buffer_rows})
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
        chosen = _Chosen("s.active AND s.is_schedulable", [])
        if location is not None:
            through = _table(Staff.practice_locations.through)
            chosen = _Chosen(
                f"{chosen.who} AND (s.primary_practice_location_id = %s OR EXISTS (SELECT 1 FROM {through} x "  # noqa: S608 (only placeholders are interpolated)
                "WHERE x.staff_id = s.dbid AND x.practicelocation_id = %s))",
                [location.pk, location.pk],
            )
    else:
        chosen = _given(providers)
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
    return slots.find_slots(_schedules(chosen, start=start, end=end, ignore=ignore), request)
