"""The slot engine: which appointment start times are open, computed from plain data.

This module is a pure core (CONVENTIONS.md rule 5). It takes frozen dataclasses of plain
values — recurring rules, one-off openings, blocks, busy intervals, a time zone per location
and the clock as a value — and returns plain values. It imports neither Django nor the ORM and
never reads the real clock, so the host can call it from a view, a FHIR ``Slot`` search or a
plugin, and tests are tables without a database.

Semantics (each one is pinned by a table in ``tests/test_slots_*.py``):

Time
    Every input datetime must be aware; every output datetime is aware in UTC. Internally all
    instants are integer microseconds since the Unix epoch, so arithmetic is exact.

Local wall time to UTC (``Rule.start``/``Rule.end`` at ``Rule.zone``)
    * A wall time that exists once maps to that instant, so 09:00-17:00 is 8 real hours unless a
      DST change falls inside it (then 7 or 9).
    * A wall time in a spring-forward gap (it never shows on a clock) maps to the *first
      existing instant after it*: the transition itself. On 2026-03-08 in America/New_York both
      02:00 and 02:30 map to 03:00 EDT (07:00 UTC). This is deliberately not what
      ``datetime.combine(d, t, zone).astimezone(UTC)`` gives (02:30 → 03:30 EDT, shifted by the
      gap): that shift makes the map non-monotonic (02:59 would land after 03:00), so a window
      02:30-03:00 would end before it starts. With the transition instant the map is
      monotonic and a window lying wholly inside a gap is simply empty.
    * An ambiguous wall time (fall-back, it shows twice) maps to its *first* occurrence
      (``fold=0``) as a window start and its *second* (``fold=1``) as a window end: windows
      cover the repeated hour as much as the provider's clock says. 00:00-04:00 on 2026-11-01
      in New York is 5 real hours; 00:00-01:30 is 2.5.
    * ``end <= start`` means the window ends at ``end`` on the next local day (``end == start``
      is a 24-hour window). A window belongs to the local date it starts on. A window that
      comes out empty after conversion (inside a gap) is dropped.

Occurrences
    ``daily``: every ``interval`` days counted from ``start_date`` (``weekdays`` is ignored).
    ``weekly``: on ``weekdays`` (empty = ``start_date``'s weekday) of every ``interval``-th
    ISO week (Monday-based) counted from the week containing ``start_date``; days of that
    first week before ``start_date`` do not occur. ``start_date`` and ``end_date`` are
    inclusive and bound the date an occurrence *starts* on.

Availability
    The windows a request may use are the rule occurrences and openings at an allowed location
    (``request.location`` or any) whose ``note_types`` is ``None`` or contains
    ``request.note_type``. Per location they are united (overlapping or touching windows
    merge) and ``blocks`` are subtracted (blocks apply to every location). A slot
    ``[s, s + duration)`` must lie inside one piece of that union, so it may straddle two
    touching windows but never a block or a gap between windows.

Start-time grid
    Each window offers starts ``window.start + k * step`` (``step`` defaults to ``duration``;
    steps are real elapsed time, so a grid runs straight through a DST change) with
    ``window.start <= s < window.end``. The grid is anchored to the window's own start as
    the rule or opening produced it: neither blocks, busy time, the search range nor merging
    with another window moves it. Two overlapping windows each contribute their grid;
    identical starts are reported once.

Busy time
    ``busy`` intervals are already widened by the host with their own appointments' buffers.
    The candidate widened by the request's buffers, ``[s - buffer_before, s + duration +
    buffer_after)``, must not overlap any of them. Intervals are half-open, so touching is fine.
    Buffers are checked against busy time only: they may fall outside availability (a visit
    may start the moment a window opens even with a buffer before it).

Policy
    ``s >= now + min_notice``; ``s < now + horizon`` when a horizon is given;
    ``request.start <= s < request.end``. The slot may end after ``request.end``.

Holds
    ``""``: no restriction. ``"same_day"``: bookable only when ``s``'s local date (in the
    window's zone; an opening's ``zone``, else its ``start``'s tzinfo) is ``now``'s local date.
    ``"next_day"``: when it is today or tomorrow. A held window counts as availability — for
    offering starts *and* for holding the body of a slot that started in a neighbouring
    window — only for slots whose start date it releases; otherwise it is as if absent.

Performance
    Each provider costs one pass over its rules (their windows are cached by shape, so providers
    with the same hours share the work), one sort of its busy intervals and one sweep over them:
    candidate starts come from ``range()`` over free spans rather than being tested one by one.
    Busy time given as integers (``ProviderSchedule.busy_us``) skips a conversion per interval.
    Datetimes in UTC (what the ORM returns) convert fastest; other aware datetimes are
    accepted but each costs a ``utcoffset()`` call.

Output
    ``find_slots`` returns every (provider, location, start) once, sorted by ``(start,
    provider, location)``, as an ``OpenSlots`` sequence that builds ``Slot`` objects when they
    are read (``runs()`` gives them per provider and location). The same provider may get slots
    at two locations at the same time; the host books one, and double-booking is prevented
    where appointments are written.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from itertools import groupby, islice, pairwise
from typing import NamedTuple, overload
from zoneinfo import ZoneInfo

__all__ = [
    "FREQUENCIES",
    "HOLDS",
    "Interval",
    "OpenSlots",
    "Opening",
    "ProviderSchedule",
    "Rule",
    "Slot",
    "SlotRequest",
    "available",
    "find_slots",
    "occurrences",
]

FREQUENCIES = frozenset({"daily", "weekly"})
HOLDS = frozenset({"", "same_day", "next_day"})

_US = timedelta(microseconds=1)
_DAY = timedelta(days=1)
_DAY_US = 86_400_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NEVER = 1 << 62  # "no limit", later than any datetime


def _is_aware(value: datetime) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None


def _require_aware(owner: str, **values: datetime) -> None:
    for name, value in values.items():
        if not _is_aware(value):
            raise ValueError(f"{owner}.{name} must be an aware datetime, got {value!r}")


def _require_hold(owner: str, hold: str) -> None:
    if hold not in HOLDS:
        raise ValueError(f"{owner}.hold must be one of {sorted(HOLDS)}, got {hold!r}")


def _us(value: datetime) -> int:
    """Return an aware datetime as integer microseconds since the epoch."""
    return (value - _EPOCH) // _US


def _utc(us: int) -> datetime:
    """Return integer microseconds since the epoch as an aware UTC datetime."""
    return _EPOCH + timedelta(microseconds=us)


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open span ``[start, end)`` of aware datetimes. Raises ValueError unless start < end."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware("Interval", start=self.start, end=self.end)
        if not self.start < self.end:
            raise ValueError(f"Interval must have start < end, got {self.start} .. {self.end}")


@dataclass(frozen=True, slots=True)
class Rule:
    """One recurring availability window at one location; ``start``/``end`` are wall times in ``zone``.

    ``weekdays`` and ``note_types`` may be given as any iterable; they are stored as frozensets.
    Raises ValueError for an unknown frequency or hold, an interval below 1, a weekday outside
    0..6, or an end_date before start_date.
    """

    location: str
    zone: ZoneInfo
    frequency: str
    interval: int
    weekdays: frozenset[int]
    start_date: date
    end_date: date | None
    start: time
    end: time
    note_types: frozenset[str] | None = None
    hold: str = ""

    def __post_init__(self) -> None:
        if self.frequency not in FREQUENCIES:
            raise ValueError(f"Rule.frequency must be one of {sorted(FREQUENCIES)}, got {self.frequency!r}")
        if not isinstance(self.interval, int) or self.interval < 1:
            raise ValueError(f"Rule.interval must be a whole number >= 1, got {self.interval!r}")
        weekdays = frozenset(self.weekdays)
        if any(not isinstance(day, int) or not 0 <= day <= 6 for day in weekdays):
            raise ValueError(f"Rule.weekdays must be numbers 0 (Monday) .. 6 (Sunday), got {sorted(weekdays)!r}")
        object.__setattr__(self, "weekdays", weekdays)
        if self.note_types is not None:
            object.__setattr__(self, "note_types", frozenset(self.note_types))
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError(f"Rule.end_date {self.end_date} is before start_date {self.start_date}")
        _require_hold("Rule", self.hold)


@dataclass(frozen=True, slots=True)
class Opening:
    """A one-off window of extra availability at one location.

    ``zone`` (an addition to the original sketch, optional) is the location's time zone, used
    only to decide a hold's "today"; ``None`` means the tzinfo of ``start``. Raises ValueError
    for naive datetimes, start >= end, or an unknown hold.
    """

    location: str
    start: datetime
    end: datetime
    note_types: frozenset[str] | None = None
    hold: str = ""
    zone: tzinfo | None = None

    def __post_init__(self) -> None:
        _require_aware("Opening", start=self.start, end=self.end)
        if not self.start < self.end:
            raise ValueError(f"Opening must have start < end, got {self.start} .. {self.end}")
        if self.note_types is not None:
            object.__setattr__(self, "note_types", frozenset(self.note_types))
        _require_hold("Opening", self.hold)


@dataclass(frozen=True, slots=True)
class ProviderSchedule:
    """Everything the engine needs about one provider; busy time is already widened by its buffers.

    Busy time comes as ``busy`` (Intervals) and/or ``busy_us``: ``(start, end)`` pairs of integer
    microseconds since the Unix epoch, half-open, in any order, each with ``start < end``
    (unchecked). The second is the host's fast path: a search reads thousands of bookings, and
    integers straight from the database skip a datetime and an Interval per row. Both count.
    """

    provider: str
    rules: tuple[Rule, ...] = ()
    openings: tuple[Opening, ...] = ()
    blocks: tuple[Interval, ...] = ()
    busy: tuple[Interval, ...] = ()
    busy_us: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class SlotRequest:
    """What is being booked, when, and under which policy. ``now`` is the clock, passed in.

    Raises ValueError for naive datetimes, a duration or step that is not positive, negative
    buffers or notice, or a horizon that is not positive.
    """

    note_type: str
    duration: timedelta
    start: datetime
    end: datetime
    now: datetime
    step: timedelta | None = None
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    min_notice: timedelta = timedelta(0)
    horizon: timedelta | None = None
    location: str | None = None

    def __post_init__(self) -> None:
        _require_aware("SlotRequest", start=self.start, end=self.end, now=self.now)
        if self.duration <= timedelta(0):
            raise ValueError(f"SlotRequest.duration must be positive, got {self.duration}")
        if self.step is not None and self.step <= timedelta(0):
            raise ValueError(f"SlotRequest.step must be positive, got {self.step}")
        for name in ("buffer_before", "buffer_after", "min_notice"):
            if getattr(self, name) < timedelta(0):
                raise ValueError(f"SlotRequest.{name} must not be negative, got {getattr(self, name)}")
        if self.horizon is not None and self.horizon <= timedelta(0):
            raise ValueError(f"SlotRequest.horizon must be positive, got {self.horizon}")


class Slot(NamedTuple):
    """A bookable start for one provider at one location; ``start``/``end`` are aware UTC datetimes.

    A named tuple, not a frozen dataclass: a search returns thousands, and a frozen dataclass
    costs four times as much to build.
    """

    provider: str
    location: str
    start: datetime
    end: datetime


# --- local wall time → UTC -------------------------------------------------------------------


def _wall_us(day: date, wall: time) -> int:
    """Return the wall time as if it were UTC, in microseconds since the epoch."""
    seconds = (wall.hour * 60 + wall.minute) * 60 + wall.second
    return (day.toordinal() - _EPOCH_ORDINAL) * _DAY_US + seconds * 1_000_000 + wall.microsecond


def _offset_at(zone: tzinfo, second: int) -> timedelta | None:
    return datetime.fromtimestamp(second, tz=zone).utcoffset()


@lru_cache(maxsize=16384)
def _local_to_us(zone: tzinfo, day: date, wall: time, is_end: bool) -> int:
    """Return the instant (µs since the epoch) of ``wall`` on ``day`` in ``zone``, per the module rules.

    Unique wall times map to their instant; ambiguous ones to the first occurrence for a start
    and the second for an end; nonexistent ones (in a gap) to the transition instant, the first
    instant that exists after them.
    """
    first = datetime.combine(day, wall, zone).replace(fold=0)
    before = first.utcoffset()
    after = first.replace(fold=1).utcoffset()
    if before is None or after is None:
        raise ValueError(f"time zone {zone!r} gives no UTC offset for {first}")
    naive = _wall_us(day, wall)
    if before == after:
        return naive - before // _US
    if before > after:  # fall-back: fold=0 is the earlier instant
        return naive - (after if is_end else before) // _US
    # Spring-forward gap: the transition T lies in (naive - after, naive - before]. Transitions in
    # TZif data fall on whole seconds, so a bisection over seconds finds it exactly.
    low = (naive - after // _US) // 1_000_000  # offset here is still `before`
    high = -(-(naive - before // _US) // 1_000_000)  # offset here is already `after`
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_at(zone, middle) == before:
            low = middle
        else:
            high = middle
    return high * 1_000_000


def _local_date(us: int, zone: tzinfo) -> date:
    return _utc(us).astimezone(zone).date()


# --- occurrences -------------------------------------------------------------------------------


def _dates(
    frequency: str,
    interval: int,
    weekdays: frozenset[int],
    start_date: date,
    end_date: date | None,
    first: date,
    last: date,
) -> Iterator[date]:
    """Yield the local dates in ``first..last`` on which a rule of this shape has an occurrence, ascending."""
    low = max(first, start_date)
    high = last if end_date is None else min(last, end_date)
    if low > high:
        return
    if frequency == "daily":
        skip = -(-(low - start_date).days // interval) * interval
        day = start_date + timedelta(days=skip)
        step = timedelta(days=interval)
        while day <= high:
            yield day
            day += step
        return
    days = sorted(weekdays) if weekdays else [start_date.weekday()]
    week_zero = start_date - timedelta(days=start_date.weekday())
    week = (low - week_zero).days // 7
    week += -week % interval
    while True:
        monday = week_zero + timedelta(weeks=week)
        if monday > high:
            return
        for weekday in days:
            day = monday + timedelta(days=weekday)
            if day > high:
                return
            if day >= low:
                yield day
        week += interval


def _rule_windows(rule: Rule, first: date, last: date) -> tuple[tuple[int, int], ...]:
    """Return the non-empty windows of ``rule`` starting on local dates ``first..last`` as µs pairs."""
    return _shape_windows(
        rule.zone, rule.frequency, rule.interval, rule.weekdays, rule.start_date, rule.end_date, rule.start, rule.end,
        first, last,
    )  # fmt: skip


@lru_cache(maxsize=4096)
def _shape_windows(
    zone: tzinfo,
    frequency: str,
    interval: int,
    weekdays: frozenset[int],
    start_date: date,
    end_date: date | None,
    start: time,
    end: time,
    first: date,
    last: date,
) -> tuple[tuple[int, int], ...]:
    # Cached on the fields that shape the windows (not location, note types or hold): many
    # providers share the same hours, and every request for the same days asks again.
    crosses = end <= start
    windows = []
    for day in _dates(frequency, interval, weekdays, start_date, end_date, first, last):
        begin = _local_to_us(zone, day, start, False)
        finish = _local_to_us(zone, day + _DAY if crosses else day, end, True)
        if begin < finish:
            windows.append((begin, finish))
    return tuple(windows)


def occurrences(rule: Rule, first: date, last: date) -> list[Interval]:
    """Return the windows of ``rule`` that start on local dates ``first..last`` (inclusive), as UTC intervals.

    Sorted by start; windows that are empty after DST conversion are left out.
    """
    return [Interval(_utc(begin), _utc(finish)) for begin, finish in _rule_windows(rule, first, last)]


# --- interval algebra on sorted µs pairs --------------------------------------------------------


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the union of half-open spans as sorted, disjoint, non-touching spans."""
    merged: list[tuple[int, int]] = []
    for begin, finish in sorted(spans):
        if merged and begin <= merged[-1][1]:
            if finish > merged[-1][1]:
                merged[-1] = (merged[-1][0], finish)
        else:
            merged.append((begin, finish))
    return merged


def _subtract(spans: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return ``spans`` minus ``holes``.

    ``spans`` must be sorted and disjoint; ``holes`` need only be sorted by start (they may
    overlap). The result is sorted and disjoint.
    """
    if not holes:
        return spans
    result = []
    first = 0
    count = len(holes)
    for begin, finish in spans:
        while first < count and holes[first][1] <= begin:
            first += 1
        cursor = begin
        index = first
        while index < count and holes[index][0] < finish:
            hole_begin, hole_end = holes[index]
            if hole_begin > cursor:
                result.append((cursor, hole_begin))
            if hole_end > cursor:
                cursor = hole_end
            if cursor >= finish:
                break
            index += 1
        if cursor < finish:
            result.append((cursor, finish))
    return result


# --- the search --------------------------------------------------------------------------------


class _Search:
    """One request, resolved to integers, with per-request caches shared by all providers."""

    __slots__ = (
        "_dates",
        "_releases",
        "after",
        "before",
        "duration",
        "high",
        "location",
        "low",
        "note_type",
        "now",
        "reach",
        "step",
    )

    def __init__(self, request: SlotRequest) -> None:
        now = _us(request.now)
        self.now = request.now
        self.note_type = request.note_type
        self.location = request.location
        self.duration = request.duration // _US
        self.step = self.duration if request.step is None else request.step // _US
        self.before = request.buffer_before // _US
        self.after = request.buffer_after // _US
        self.low = max(_us(request.start), now + request.min_notice // _US)
        self.high = _us(request.end)
        if request.horizon is not None:
            self.high = min(self.high, now + request.horizon // _US)
        self.reach = self.high + self.duration  # windows that can hold a slot overlap [low, reach)
        self._dates: dict[tzinfo, tuple[date, date]] = {}
        self._releases: dict[tuple[tzinfo, str], int] = {}

    def wants(self, location: str, note_types: frozenset[str] | None) -> bool:
        return (self.location is None or location == self.location) and (
            note_types is None or self.note_type in note_types
        )

    def dates(self, zone: tzinfo) -> tuple[date, date]:
        """Return the local dates whose windows can overlap ``[low, reach)`` in ``zone``, with a margin."""
        found = self._dates.get(zone)
        if found is None:
            # A window starting on date D ends before the end of D + 1, so D >= low's date - 1
            # (one more day of margin for DST); one starting after reach's date starts after
            # reach (the + 1 is margin only, for zones whose midnight falls in a fold).
            found = (_local_date(self.low, zone) - 2 * _DAY, _local_date(self.reach, zone) + _DAY)
            self._dates[zone] = found
        return found

    def release(self, zone: tzinfo, hold: str) -> int:
        """Return the instant from which a ``hold`` window in ``zone`` stops offering starts.

        Starts before ``now`` are never offered, and the local day containing ``now`` began
        before it, so the released range is ``[.., first instant of today + 1 or + 2)``.
        """
        if not hold:
            return _NEVER
        found = self._releases.get((zone, hold))
        if found is None:
            today = self.now.astimezone(zone).date()
            days = 1 if hold == "same_day" else 2
            found = _local_to_us(zone, today + timedelta(days=days), time(0), False)
            self._releases[(zone, hold)] = found
        return found


def _windows(schedule: ProviderSchedule, search: _Search) -> dict[str, list[tuple[int, int, int]]]:
    """Return the windows usable by ``search`` per location, as (start, end, release) µs triples."""
    low, reach = search.low, search.reach
    by_location: dict[str, list[tuple[int, int, int]]] = {}
    for rule in schedule.rules:
        if not search.wants(rule.location, rule.note_types):
            continue
        release = search.release(rule.zone, rule.hold)
        if release <= low:
            continue
        first, last = search.dates(rule.zone)
        for begin, finish in _rule_windows(rule, first, last):
            if begin < reach and finish > low:
                by_location.setdefault(rule.location, []).append((begin, finish, release))
    for opening in schedule.openings:
        if not search.wants(opening.location, opening.note_types):
            continue
        release = search.release(opening.zone or opening.start.tzinfo or UTC, opening.hold)
        begin, finish = _us(opening.start), _us(opening.end)
        if release > low and begin < reach and finish > low:
            by_location.setdefault(opening.location, []).append((begin, finish, release))
    return by_location


def _forbidden_starts(schedule: ProviderSchedule, search: _Search) -> list[tuple[int, int]]:
    """Return the starts that would overlap busy time once widened by the request's buffers.

    ``[s - before, s + duration + after)`` overlaps ``[b0, b1)`` exactly when
    ``b0 - duration - after < s < b1 + before``, i.e. ``s`` in ``[b0 - duration - after + 1, b1 + before)``.
    The result is sorted by start but may overlap, which ``_subtract`` accepts.
    """
    lead = search.duration + search.after - 1
    trail = search.before
    epoch, unit = _EPOCH, _US
    forbidden = [((item.start - epoch) // unit - lead, (item.end - epoch) // unit + trail) for item in schedule.busy]
    forbidden += [(begin - lead, finish + trail) for begin, finish in schedule.busy_us]
    forbidden.sort()
    return forbidden


def _starts(
    windows: list[tuple[int, int, int]],
    blocks: list[tuple[int, int]],
    forbidden: list[tuple[int, int]],
    search: _Search,
) -> tuple[list[int], bool]:
    """Return the bookable starts offered by ``windows`` at one location, and whether they are
    ascending without repeats.

    They are unless windows overlap or touch: then a start may repeat or come out of order (the
    caller sorts them).
    """
    low, high, duration, step = search.low, search.high, search.duration, search.step
    # Held windows stop counting at their release instant, so cut [low, high) there: within a
    # part the same windows are open for every start.
    cuts = sorted({release for _, _, release in windows if low < release < high})
    bounds = [low, *cuts, high]
    found: list[int] = []
    ordered = True  # parts follow each other; each part's grid sweep is ascending
    for part_low, part_high in pairwise(bounds):
        open_windows = sorted((begin, finish) for begin, finish, release in windows if release >= part_high)
        if not open_windows:
            continue
        merged = _union(open_windows)
        pieces = _subtract(merged, blocks)
        if len(merged) == len(open_windows):
            # The usual case: windows apart from each other, so each piece lies in one window
            # and carries that window's grid; one sweep over busy time does the rest.
            found.extend(_grid_starts(pieces, open_windows, forbidden, part_low, part_high, search))
            continue
        ordered = False
        # Starts that keep [s, s + duration) inside a piece, as half-open ranges of s.
        fits = []
        for begin, finish in pieces:
            first, last = max(begin, part_low), min(finish - duration + 1, part_high)
            if first < last:
                fits.append((first, last))
        free = _subtract(fits, forbidden)
        if not free:
            continue
        free_ends = [finish for _, finish in free]
        count = len(free)
        for begin, finish in open_windows:
            index = bisect_right(free_ends, begin)
            while index < count:
                free_begin, free_end = free[index]
                if free_begin >= finish:
                    break
                first = max(free_begin, begin)
                first = begin + -(-(first - begin) // step) * step
                last = min(free_end, finish)
                if first < last:
                    found.extend(range(first, last, step))
                index += 1
    return found, ordered


def _grid_starts(
    pieces: list[tuple[int, int]],
    windows: list[tuple[int, int]],
    forbidden: list[tuple[int, int]],
    low: int,
    high: int,
    search: _Search,
) -> list[int]:
    """Return the grid starts in ``[low, high)`` that keep the slot inside a piece and off
    ``forbidden``, ascending; ``windows`` are sorted, disjoint and not touching, and each of
    the sorted ``pieces`` lies in one of them, whose start anchors its grid."""
    duration, step = search.duration, search.step
    found: list[int] = []
    extend = found.extend
    count = len(forbidden)
    skip = 0  # forbidden ranges before this one end before the current piece
    window = 0
    for begin, finish in pieces:
        while windows[window][1] < finish:
            window += 1
        anchor = windows[window][0]
        cursor, last = max(begin, low), min(finish - duration + 1, high)
        if cursor >= last:
            continue
        while skip < count and forbidden[skip][1] <= cursor:
            skip += 1
        for hole_begin, hole_end in islice(forbidden, skip, None):
            if hole_begin >= last:
                break
            if hole_begin > cursor:
                start = anchor + -(-(cursor - anchor) // step) * step
                if start < hole_begin:
                    extend(range(start, hole_begin, step))
            if hole_end > cursor:
                cursor = hole_end
                if cursor >= last:
                    break
        if cursor < last:
            start = anchor + -(-(cursor - anchor) // step) * step
            if start < last:
                extend(range(start, last, step))
    return found


class OpenSlots(Sequence[Slot]):
    """What ``find_slots`` returns: every open slot of one search, kept compact.

    The search decides every open start in full; ``Slot`` objects are built when read. ``runs()``
    gives each (provider, location) with its slots in time order, in (provider, location) order,
    building only those; iteration and indexing give every slot sorted by (start, provider,
    location), built once on first use and then kept. A slice when one provider at one location
    was searched (a FHIR Slot page) builds only the slots it returns. Compares equal to any
    sequence of the same slots.
    """

    __slots__ = ("_all", "_count", "_duration", "_runs", "_times")

    def __init__(self, runs: list[tuple[str, str, list[int]]], duration: int) -> None:
        # runs: (provider, location, ascending distinct starts in µs), sorted by (provider, location).
        self._runs = runs
        self._duration = duration
        self._count = sum(len(starts) for _, _, starts in runs)
        self._times: dict[int, tuple[datetime, datetime]] = {}
        self._all: list[Slot] | None = None

    def _span(self, start: int) -> tuple[datetime, datetime]:
        found = self._times.get(start)
        if found is None:
            found = self._times[start] = (_utc(start), _utc(start + self._duration))
        return found

    def _build(self, provider: str, location: str, starts: Iterable[int]) -> list[Slot]:
        build, span = tuple.__new__, self._span  # tuple.__new__: a NamedTuple without its Python-level __new__
        return [build(Slot, (provider, location, *span(start))) for start in starts]

    def runs(self) -> Iterator[tuple[str, str, list[Slot]]]:
        """Yield (provider, location, slots in time order), in (provider, location) order."""
        for provider, location, starts in self._runs:
            yield provider, location, self._build(provider, location, starts)

    def _sorted(self) -> list[Slot]:
        if self._all is None:
            by_start: dict[int, list[tuple[str, str]]] = {}
            for provider, location, starts in self._runs:  # (provider, location) order within each start
                key = (provider, location)
                for start in starts:
                    group = by_start.get(start)
                    if group is None:
                        by_start[start] = [key]
                    else:
                        group.append(key)
            every: list[Slot] = []
            extend, build = every.extend, tuple.__new__
            for start in sorted(by_start):
                begin, end = self._span(start)
                extend([build(Slot, (provider, location, begin, end)) for provider, location in by_start[start]])
            self._all = every
        return self._all

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Slot: ...

    @overload
    def __getitem__(self, index: slice) -> list[Slot]: ...

    def __getitem__(self, index: int | slice) -> Slot | list[Slot]:
        if isinstance(index, slice) and self._all is None and len(self._runs) == 1:
            provider, location, starts = self._runs[0]
            return self._build(provider, location, starts[index])
        return self._sorted()[index]

    def __iter__(self) -> Iterator[Slot]:
        return iter(self._sorted())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(other) == self._count and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"OpenSlots({self._count} slots)"


def find_slots(schedules: Iterable[ProviderSchedule], request: SlotRequest) -> OpenSlots:
    """Return every bookable slot for ``request`` across ``schedules``, sorted by (start, provider, location).

    See the module docstring for the exact rules. Each (provider, location, start) appears once.
    """
    search = _Search(request)
    runs: list[tuple[str, str, list[int]]] = []
    if search.low >= search.high:
        return OpenSlots(runs, search.duration)
    # Providers in name order, locations in name order within each: the runs come out sorted by
    # (provider, location), and a provider listed twice is merged into one run.
    for provider, listed in groupby(sorted(schedules, key=_provider_name), key=_provider_name):
        per_location: dict[str, tuple[list[int], bool]] = {}
        for schedule in listed:
            by_location = _windows(schedule, search)
            if not by_location:
                continue
            blocks = _union([(_us(item.start), _us(item.end)) for item in schedule.blocks])
            forbidden = _forbidden_starts(schedule, search)
            for location, windows in by_location.items():
                starts, ordered = _starts(windows, blocks, forbidden, search)
                if location in per_location:  # the same provider listed twice
                    starts, ordered = per_location[location][0] + starts, False
                per_location[location] = (starts, ordered)
        for location in sorted(per_location):
            starts, ordered = per_location[location]
            if starts:
                runs.append((provider, location, starts if ordered else sorted(set(starts))))
    return OpenSlots(runs, search.duration)


def _provider_name(schedule: ProviderSchedule) -> str:
    return schedule.provider


def available(
    schedule: ProviderSchedule, start: datetime, end: datetime
) -> dict[tuple[str, frozenset[str] | None, str], list[Interval]]:
    """Return one provider's availability in ``[start, end)``, grouped by (location, note_types, hold).

    Each group is the union of the rule occurrences and openings with exactly that key, minus
    ``blocks``, clipped to ``[start, end)``, as sorted disjoint UTC intervals. Groups with nothing
    left are omitted. Busy time, policy and holds are not applied: this is the calendar view.
    Raises ValueError if ``start`` or ``end`` is naive.
    """
    _require_aware("available", start=start, end=end)
    low, high = _us(start), _us(end)
    if low >= high:
        return {}
    groups: dict[tuple[str, frozenset[str] | None, str], list[tuple[int, int]]] = {}
    for rule in schedule.rules:
        first = _local_date(low, rule.zone) - 2 * _DAY
        last = _local_date(high, rule.zone) + _DAY
        for begin, finish in _rule_windows(rule, first, last):
            if begin < high and finish > low:
                groups.setdefault((rule.location, rule.note_types, rule.hold), []).append((begin, finish))
    for opening in schedule.openings:
        begin, finish = _us(opening.start), _us(opening.end)
        if begin < high and finish > low:
            groups.setdefault((opening.location, opening.note_types, opening.hold), []).append((begin, finish))
    blocks = _union([(_us(item.start), _us(item.end)) for item in schedule.blocks])
    result = {}
    for key, spans in groups.items():
        pieces = _subtract(_union(spans), blocks)
        clipped = [Interval(_utc(max(b, low)), _utc(min(f, high))) for b, f in pieces if b < high and f > low]
        if clipped:
            result[key] = clipped
    return result
