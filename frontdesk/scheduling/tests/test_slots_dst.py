"""Local wall times to UTC across DST and odd offsets: exact lengths, gaps, folds, midnight.

Transitions in 2026: America/New_York 03-08 (02:00 → 03:00) and 11-01 (02:00 → 01:00);
Europe/London 03-29 (01:00 → 02:00) and 10-25 (02:00 → 01:00); Australia/Lord_Howe, a
30-minute DST, 04-05 (02:00 → 01:30) and 10-04 (02:00 → 02:30); America/St_Johns (-03:30)
03-08 (02:00 → 03:00) and 11-01 (02:00 → 01:00).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.scheduling.slots import ProviderSchedule, Rule, Slot, SlotRequest, find_slots, occurrences

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
ST_JOHNS = ZoneInfo("America/St_Johns")
KOLKATA = ZoneInfo("Asia/Kolkata")


def daily(zone: ZoneInfo, start: time, end: time, on: date) -> Rule:
    return Rule("clinic", zone, "daily", 1, frozenset(), on, on, start, end)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "on", "start", "end", "utc_start", "utc_end", "hours"),
    [
        # New York, ordinary days either side of spring forward.
        pytest.param(
            NEW_YORK, date(2026, 3, 7), time(9), time(17), "2026-03-07 14:00", "2026-03-07 22:00", 8, id="ny-est-day"
        ),
        pytest.param(
            NEW_YORK, date(2026, 3, 9), time(9), time(17), "2026-03-09 13:00", "2026-03-09 21:00", 8, id="ny-edt-day"
        ),
        pytest.param(
            NEW_YORK,
            date(2026, 3, 8),
            time(9),
            time(17),
            "2026-03-08 13:00",
            "2026-03-08 21:00",
            8,
            id="ny-spring-day-after-change",
        ),
        # New York spring forward: 02:00-03:00 does not exist.
        pytest.param(
            NEW_YORK,
            date(2026, 3, 8),
            time(0),
            time(5),
            "2026-03-08 05:00",
            "2026-03-08 09:00",
            4,
            id="ny-spring-change-inside",
        ),
        pytest.param(
            NEW_YORK,
            date(2026, 3, 8),
            time(2, 30),
            time(6),
            "2026-03-08 07:00",
            "2026-03-08 10:00",
            3,
            id="ny-start-in-gap-moves-to-0300",
        ),
        pytest.param(
            NEW_YORK,
            date(2026, 3, 8),
            time(2),
            time(6),
            "2026-03-08 07:00",
            "2026-03-08 10:00",
            3,
            id="ny-start-at-gap-start",
        ),
        pytest.param(
            NEW_YORK,
            date(2026, 3, 8),
            time(0),
            time(2, 30),
            "2026-03-08 05:00",
            "2026-03-08 07:00",
            2,
            id="ny-end-in-gap-moves-to-0300",
        ),
        pytest.param(
            NEW_YORK,
            date(2026, 3, 7),
            time(22),
            time(4),
            "2026-03-08 03:00",
            "2026-03-08 08:00",
            5,
            id="ny-overnight-into-spring",
        ),
        # New York fall back: 01:00-02:00 happens twice.
        pytest.param(
            NEW_YORK,
            date(2026, 11, 1),
            time(0),
            time(4),
            "2026-11-01 04:00",
            "2026-11-01 09:00",
            5,
            id="ny-fall-change-inside",
        ),
        pytest.param(
            NEW_YORK,
            date(2026, 11, 1),
            time(1, 30),
            time(3),
            "2026-11-01 05:30",
            "2026-11-01 08:00",
            2.5,
            id="ny-ambiguous-start-first-occurrence",
        ),
        pytest.param(
            NEW_YORK,
            date(2026, 11, 1),
            time(0),
            time(1, 30),
            "2026-11-01 04:00",
            "2026-11-01 06:30",
            2.5,
            id="ny-ambiguous-end-second-occurrence",
        ),
        pytest.param(
            NEW_YORK,
            date(2026, 11, 1),
            time(1),
            time(1, 30),
            "2026-11-01 05:00",
            "2026-11-01 06:30",
            1.5,
            id="ny-both-ambiguous",
        ),
        pytest.param(
            NEW_YORK,
            date(2026, 10, 31),
            time(22),
            time(2),
            "2026-11-01 02:00",
            "2026-11-01 07:00",
            5,
            id="ny-overnight-into-fall",
        ),
        pytest.param(
            NEW_YORK,
            date(2026, 11, 1),
            time(9),
            time(17),
            "2026-11-01 14:00",
            "2026-11-01 22:00",
            8,
            id="ny-fall-day-after-change",
        ),
        # London: the change is at 01:00 GMT.
        pytest.param(
            LONDON, date(2026, 3, 29), time(0), time(3), "2026-03-29 00:00", "2026-03-29 02:00", 2, id="london-spring"
        ),
        pytest.param(
            LONDON,
            date(2026, 3, 29),
            time(1, 30),
            time(2, 30),
            "2026-03-29 01:00",
            "2026-03-29 01:30",
            0.5,
            id="london-start-in-gap",
        ),
        pytest.param(
            LONDON, date(2026, 3, 28), time(9), time(17), "2026-03-28 09:00", "2026-03-28 17:00", 8, id="london-gmt-day"
        ),
        pytest.param(
            LONDON, date(2026, 3, 30), time(9), time(17), "2026-03-30 08:00", "2026-03-30 16:00", 8, id="london-bst-day"
        ),
        pytest.param(
            LONDON, date(2026, 10, 25), time(0), time(3), "2026-10-24 23:00", "2026-10-25 03:00", 4, id="london-fall"
        ),
        pytest.param(
            LONDON,
            date(2026, 10, 25),
            time(1, 30),
            time(1, 45),
            "2026-10-25 00:30",
            "2026-10-25 01:45",
            1.25,
            id="london-both-ambiguous",
        ),
        # Lord Howe: a half-hour change.
        pytest.param(
            LORD_HOWE,
            date(2026, 4, 5),
            time(0),
            time(3),
            "2026-04-04 13:00",
            "2026-04-04 16:30",
            3.5,
            id="lord-howe-fall",
        ),
        pytest.param(
            LORD_HOWE,
            date(2026, 4, 5),
            time(1, 30),
            time(1, 45),
            "2026-04-04 14:30",
            "2026-04-04 15:15",
            0.75,
            id="lord-howe-both-ambiguous",
        ),
        pytest.param(
            LORD_HOWE,
            date(2026, 10, 4),
            time(0),
            time(3),
            "2026-10-03 13:30",
            "2026-10-03 16:00",
            2.5,
            id="lord-howe-spring",
        ),
        pytest.param(
            LORD_HOWE,
            date(2026, 10, 4),
            time(2, 15),
            time(3),
            "2026-10-03 15:30",
            "2026-10-03 16:00",
            0.5,
            id="lord-howe-start-in-gap",
        ),
        # St John's: -03:30 / -02:30.
        pytest.param(
            ST_JOHNS,
            date(2026, 3, 7),
            time(9),
            time(17),
            "2026-03-07 12:30",
            "2026-03-07 20:30",
            8,
            id="st-johns-nst-day",
        ),
        pytest.param(
            ST_JOHNS,
            date(2026, 3, 8),
            time(9),
            time(17),
            "2026-03-08 11:30",
            "2026-03-08 19:30",
            8,
            id="st-johns-ndt-day",
        ),
        pytest.param(
            ST_JOHNS,
            date(2026, 3, 8),
            time(1),
            time(4),
            "2026-03-08 04:30",
            "2026-03-08 06:30",
            2,
            id="st-johns-spring",
        ),
        pytest.param(
            ST_JOHNS, date(2026, 11, 1), time(0), time(4), "2026-11-01 02:30", "2026-11-01 07:30", 5, id="st-johns-fall"
        ),
        # Kolkata: +05:30, no DST.
        pytest.param(
            KOLKATA, date(2026, 3, 8), time(9), time(17), "2026-03-08 03:30", "2026-03-08 11:30", 8, id="kolkata"
        ),
        pytest.param(
            KOLKATA,
            date(2026, 3, 8),
            time(20),
            time(2),
            "2026-03-08 14:30",
            "2026-03-08 20:30",
            6,
            id="kolkata-overnight",
        ),
    ],
)
def test_it_converts_wall_times_exactly(
    zone: ZoneInfo, on: date, start: time, end: time, utc_start: str, utc_end: str, hours: float
) -> None:
    [window] = occurrences(daily(zone, start, end, on), on, on)

    assert (window.start, window.end) == (utc(utc_start), utc(utc_end))
    assert window.end - window.start == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("zone", "on", "start", "end"),
    [
        pytest.param(NEW_YORK, date(2026, 3, 8), time(2), time(3), id="ny-the-whole-gap"),
        pytest.param(NEW_YORK, date(2026, 3, 8), time(2, 15), time(2, 45), id="ny-inside-gap"),
        pytest.param(NEW_YORK, date(2026, 3, 8), time(2, 30), time(3), id="ny-gap-to-its-end"),
        pytest.param(LONDON, date(2026, 3, 29), time(1), time(2), id="london-the-whole-gap"),
        pytest.param(LORD_HOWE, date(2026, 10, 4), time(2, 10), time(2, 20), id="lord-howe-inside-gap"),
    ],
)
def test_it_drops_a_window_that_lies_inside_a_gap(zone: ZoneInfo, on: date, start: time, end: time) -> None:
    assert occurrences(daily(zone, start, end, on), on, on) == []


def test_it_moves_a_nonexistent_time_to_the_transition_not_by_the_gap() -> None:
    [window] = occurrences(daily(NEW_YORK, time(2, 30), time(5), date(2026, 3, 8)), date(2026, 3, 8), date(2026, 3, 8))

    # zoneinfo alone (fold=0, normalised through UTC) shifts 02:30 by the gap, to 03:30 EDT.
    assert datetime(2026, 3, 8, 2, 30, tzinfo=NEW_YORK).astimezone(UTC) == utc("2026-03-08 07:30")
    # The engine takes the first instant that exists: the transition, 03:00 EDT.
    assert window.start == utc("2026-03-08 07:00")
    assert window.start.astimezone(NEW_YORK).strftime("%H:%M %Z") == "03:00 EDT"


@pytest.mark.parametrize(
    ("zone", "on"),
    [
        pytest.param(NEW_YORK, date(2026, 3, 8), id="ny-spring"),
        pytest.param(NEW_YORK, date(2026, 11, 1), id="ny-fall"),
        pytest.param(LONDON, date(2026, 3, 29), id="london-spring"),
        pytest.param(LONDON, date(2026, 10, 25), id="london-fall"),
        pytest.param(LORD_HOWE, date(2026, 4, 5), id="lord-howe-fall"),
        pytest.param(LORD_HOWE, date(2026, 10, 4), id="lord-howe-spring"),
        pytest.param(ST_JOHNS, date(2026, 3, 8), id="st-johns-spring"),
        pytest.param(ST_JOHNS, date(2026, 11, 1), id="st-johns-fall"),
    ],
)
def test_it_maps_every_minute_of_a_change_day_monotonically(zone: ZoneInfo, on: date) -> None:
    starts, ends = [], []
    for minute in range(5, 4 * 60, 5):
        wall = time(minute // 60, minute % 60)
        [as_start] = occurrences(daily(zone, wall, time(6), on), on, on)
        [as_end] = occurrences(daily(zone, time(0), wall, on), on, on)
        starts.append(as_start.start)
        ends.append(as_end.end)
        local = datetime.combine(on, wall, zone)
        exists = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)
        if exists:
            # A start takes the first occurrence, an end the last (they differ only in a fold).
            assert as_start.start == local.replace(fold=0).astimezone(UTC)
            assert as_end.end == local.replace(fold=1).astimezone(UTC)
        else:
            # In a gap both take the first instant whose clock reading is past the wall time.
            assert as_start.start == as_end.end
            assert as_start.start.astimezone(zone).replace(tzinfo=None) > local.replace(tzinfo=None)
            assert (as_start.start - timedelta(seconds=1)).astimezone(zone).replace(tzinfo=None) < local.replace(
                tzinfo=None
            )

    assert starts == sorted(starts)
    assert ends == sorted(ends)


def hours_of(slots: list[Slot], zone: ZoneInfo) -> list[str]:
    return [s.start.astimezone(zone).strftime("%H:%M%z") for s in slots]


@pytest.mark.parametrize(
    ("zone", "on", "start", "end", "expected"),
    [
        pytest.param(
            NEW_YORK,
            date(2026, 3, 8),
            time(0),
            time(5),
            ["00:00-0500", "01:00-0500", "03:00-0400", "04:00-0400"],
            id="ny-spring",
        ),
        pytest.param(
            NEW_YORK,
            date(2026, 11, 1),
            time(0),
            time(4),
            ["00:00-0400", "01:00-0400", "01:00-0500", "02:00-0500", "03:00-0500"],
            id="ny-fall-offers-the-repeated-hour-twice",
        ),
        pytest.param(
            LORD_HOWE,
            date(2026, 10, 4),
            time(1),
            time(4),
            ["01:00+1030", "02:30+1100"],  # 2.5 real hours hold two 1-hour visits
            id="lord-howe-spring-grid-in-real-hours",
        ),
    ],
)
def test_it_steps_the_grid_in_real_time_through_a_change(
    zone: ZoneInfo, on: date, start: time, end: time, expected: list[str]
) -> None:
    begin = datetime.combine(on, time(0), zone) - timedelta(days=1)
    request = SlotRequest("visit", timedelta(hours=1), begin, begin + timedelta(days=3), now=begin)

    slots = find_slots([ProviderSchedule("dr", rules=(daily(zone, start, end, on),))], request)

    assert hours_of(slots, zone) == expected
    assert all(s.end - s.start == timedelta(hours=1) for s in slots)


@pytest.mark.parametrize(
    ("first", "expected_utc_starts"),
    [
        pytest.param(date(2026, 3, 27), ["09:00", "09:00", "08:00"], id="london-week-of-spring-forward"),
        pytest.param(date(2026, 10, 23), ["08:00", "08:00", "09:00"], id="london-week-of-fall-back"),
    ],
)
def test_it_keeps_local_hours_across_a_weekend_change(first: date, expected_utc_starts: list[str]) -> None:
    # Friday, Saturday, Monday at 09:00 London time: the UTC hour moves on the Monday.
    rule = Rule("london", LONDON, "weekly", 1, frozenset({0, 4, 5}), date(2026, 1, 1), None, time(9), time(17))
    begin = datetime.combine(first, time(0), LONDON)
    request = SlotRequest("visit", timedelta(minutes=30), begin, begin + timedelta(days=4), now=begin)

    slots = find_slots([ProviderSchedule("dr", rules=(rule,))], request)
    firsts = [s for s in slots if s.start.astimezone(LONDON).time() == time(9)]

    assert [f"{s.start:%H:%M}" for s in firsts] == expected_utc_starts
    assert len(slots) == 3 * 16
