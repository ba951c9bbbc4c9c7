"""The start-time grid: anchored to each window's start, stepped by `step` or the duration.

Asia/Kolkata (+05:30) shows the grid follows local windows, not the UTC hour.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.scheduling.slots import Interval, Opening, ProviderSchedule, Rule, Slot, SlotRequest, find_slots

KOLKATA = ZoneInfo("Asia/Kolkata")
ST_JOHNS = ZoneInfo("America/St_Johns")
NEW_YORK = ZoneInfo("America/New_York")
DAY = date(2026, 3, 10)  # a Tuesday, no DST change anywhere here


def window(start: time, end: time, zone: ZoneInfo = KOLKATA) -> Rule:
    return Rule("clinic", zone, "daily", 1, frozenset(), DAY, DAY, start, end)


def at(wall: time, zone: ZoneInfo = KOLKATA) -> datetime:
    return datetime.combine(DAY, wall, zone)


def search(
    schedule: ProviderSchedule,
    minutes: int,
    step: int | None = None,
    *,
    start: datetime | None = None,
    zone: ZoneInfo = KOLKATA,
) -> list[str]:
    begin = start or at(time(0), zone)
    request = SlotRequest(
        "visit",
        timedelta(minutes=minutes),
        begin,
        at(time(0), zone) + timedelta(days=2),
        now=at(time(0), zone),
        step=None if step is None else timedelta(minutes=step),
    )
    return [f"{s.start.astimezone(zone):%H:%M}" for s in find_slots([schedule], request)]


@pytest.mark.parametrize(
    ("start", "end", "minutes", "step", "expected"),
    [
        pytest.param(time(9), time(10), 15, None, ["09:00", "09:15", "09:30", "09:45"], id="kolkata-15-minute-visits"),
        pytest.param(time(9), time(10), 20, None, ["09:00", "09:20", "09:40"], id="kolkata-20-minute-visits"),
        pytest.param(time(9), time(10), 30, 20, ["09:00", "09:20"], id="kolkata-30-minute-visits-on-a-20-minute-grid"),
        pytest.param(
            time(9), time(10), 20, 15, ["09:00", "09:15", "09:30"], id="kolkata-20-minute-visits-on-a-15-minute-grid"
        ),
        pytest.param(time(9), time(12), 45, None, ["09:00", "09:45", "10:30", "11:15"], id="step-defaults-to-duration"),
        pytest.param(time(9, 10), time(10, 30), 30, None, ["09:10", "09:40"], id="anchored-to-an-odd-window-start"),
        pytest.param(
            time(9, 10), time(10, 30), 30, 15, ["09:10", "09:25", "09:40", "09:55"], id="odd-start-finer-step"
        ),
        pytest.param(time(9), time(9, 10), 15, None, [], id="window-shorter-than-visit"),
        pytest.param(time(9), time(9, 15), 15, None, ["09:00"], id="visit-exactly-fills-window"),
        pytest.param(time(23), time(1), 30, None, ["23:00", "23:30", "00:00", "00:30"], id="window-crossing-midnight"),
    ],
)
def test_it_offers_starts_on_the_window_grid(
    start: time, end: time, minutes: int, step: int | None, expected: list[str]
) -> None:
    assert search(ProviderSchedule("dr", rules=(window(start, end),)), minutes, step) == expected


def test_it_keeps_the_grid_when_the_search_starts_mid_window() -> None:
    schedule = ProviderSchedule("dr", rules=(window(time(9, 10), time(11)),))

    assert search(schedule, 30, start=at(time(9, 30))) == ["09:40", "10:10"]


def test_it_keeps_the_grid_when_a_block_cuts_the_window() -> None:
    block = Interval(at(time(10, 10)), at(time(10, 50)))
    schedule = ProviderSchedule("dr", rules=(window(time(9), time(12)),), blocks=(block,))

    assert search(schedule, 30) == ["09:00", "09:30", "11:00", "11:30"]


@pytest.mark.parametrize(
    ("spans", "minutes", "step", "expected"),
    [
        pytest.param(
            [(time(9), time(10)), (time(9, 15), time(10, 15))],
            30,
            None,
            ["09:00", "09:15", "09:30", "09:45"],
            id="overlapping-windows-each-bring-their-grid",
        ),
        pytest.param(
            [(time(9), time(11)), (time(9), time(11)), (time(10), time(11))],
            30,
            None,
            ["09:00", "09:30", "10:00", "10:30"],
            id="identical-starts-reported-once",
        ),
        pytest.param(
            [(time(9), time(10)), (time(10), time(11))],
            45,
            None,
            ["09:00", "09:45", "10:00"],
            id="a-visit-may-straddle-touching-windows",
        ),
        pytest.param(
            [(time(9), time(10)), (time(10, 5), time(11))],
            45,
            None,
            ["09:00", "10:05"],
            id="but-not-a-gap-between-them",
        ),
    ],
)
def test_it_unites_windows_at_one_location(
    spans: list[tuple[time, time]], minutes: int, step: int | None, expected: list[str]
) -> None:
    openings = tuple(Opening("clinic", at(begin), at(end)) for begin, end in spans)

    assert search(ProviderSchedule("dr", openings=openings), minutes, step) == expected


@pytest.mark.parametrize(
    ("zone", "expected_utc"),
    [
        pytest.param(KOLKATA, ["03:30", "03:50", "04:10"], id="kolkata-plus-0530"),
        pytest.param(ST_JOHNS, ["11:30", "11:50", "12:10"], id="st-johns-ndt-minus-0230"),
        pytest.param(NEW_YORK, ["13:00", "13:20", "13:40"], id="new-york-edt"),
    ],
)
def test_it_returns_utc_slots_for_local_windows(zone: ZoneInfo, expected_utc: list[str]) -> None:
    request = SlotRequest("visit", timedelta(minutes=20), at(time(0), zone), at(time(23), zone), now=at(time(0), zone))

    slots = find_slots([ProviderSchedule("dr", rules=(window(time(9), time(10), zone),))], request)

    assert [f"{s.start:%H:%M}" for s in slots] == expected_utc
    assert all(s.start.tzinfo is UTC and s.end.tzinfo is UTC for s in slots)
    assert slots[0] == Slot("dr", "clinic", at(time(9), zone), at(time(9, 20), zone))
