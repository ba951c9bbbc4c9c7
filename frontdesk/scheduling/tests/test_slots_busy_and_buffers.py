"""Busy time, the request's buffers around a visit, and blocks (time off) cutting windows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.scheduling.slots import Interval, ProviderSchedule, Rule, SlotRequest, find_slots

NEW_YORK = ZoneInfo("America/New_York")
DAY = date(2026, 3, 10)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), NEW_YORK)


def span(text: str) -> Interval:
    """``"10:00-10:30"`` as an interval on DAY in New York."""
    begin, end = (time.fromisoformat(part) for part in text.split("-"))
    return Interval(at(begin.hour, begin.minute), at(end.hour, end.minute))


def rule(location: str = "boston", start: time = time(9), end: time = time(12)) -> Rule:
    return Rule(location, NEW_YORK, "daily", 1, frozenset(), DAY, DAY, start, end)


def starts(schedule: ProviderSchedule, *, before: int = 0, after: int = 0, minutes: int = 30) -> list[str]:
    request = SlotRequest(
        "visit",
        timedelta(minutes=minutes),
        at(0),
        at(23),
        now=at(0),
        buffer_before=timedelta(minutes=before),
        buffer_after=timedelta(minutes=after),
    )
    return [f"{s.start.astimezone(NEW_YORK):%H:%M}" for s in find_slots([schedule], request)]


ALL = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]


@pytest.mark.parametrize(
    ("busy", "before", "after", "expected"),
    [
        pytest.param([], 0, 0, ALL, id="free"),
        pytest.param(["10:00-10:30"], 0, 0, ["09:00", "09:30", "10:30", "11:00", "11:30"], id="busy-on-the-grid"),
        pytest.param(["10:15-10:20"], 0, 0, ["09:00", "09:30", "10:30", "11:00", "11:30"], id="busy-inside-a-slot"),
        pytest.param(["10:15-10:45"], 0, 0, ["09:00", "09:30", "11:00", "11:30"], id="busy-across-two-slots"),
        pytest.param(["09:59-10:01"], 0, 0, ["09:00", "10:30", "11:00", "11:30"], id="one-minute-over-each-side"),
        pytest.param(["08:00-09:00", "12:00-13:00"], 0, 0, ALL, id="touching-the-window-edges"),
        pytest.param(["13:00-15:00"], 0, 0, ALL, id="outside-the-window"),
        pytest.param(["08:00-13:00"], 0, 0, [], id="all-day"),
        # Buffers widen the candidate, not the busy interval.
        pytest.param(
            ["10:00-10:30"], 0, 10, ["09:00", "10:30", "11:00", "11:30"], id="after-buffer-hits-following-visit"
        ),
        pytest.param(
            ["10:00-10:30"], 10, 0, ["09:00", "09:30", "11:00", "11:30"], id="before-buffer-hits-previous-visit"
        ),
        pytest.param(["10:00-10:30"], 10, 10, ["09:00", "11:00", "11:30"], id="both-buffers"),
        pytest.param(
            ["10:40-11:00"], 0, 10, ["09:00", "09:30", "10:00", "11:00", "11:30"], id="after-buffer-touching-is-fine"
        ),
        pytest.param(
            ["10:00-10:20"], 10, 0, ["09:00", "09:30", "10:30", "11:00", "11:30"], id="before-buffer-touching-is-fine"
        ),
        # Buffers may fall outside availability: only busy time constrains them.
        pytest.param([], 30, 30, ALL, id="buffers-at-the-window-edges"),
        # Unsorted and overlapping input.
        pytest.param(
            ["11:00-11:10", "09:40-10:10", "09:50-10:05"],
            0,
            0,
            ["09:00", "10:30", "11:30"],
            id="unsorted-overlapping-busy",
        ),
    ],
)
def test_it_keeps_visits_and_their_buffers_off_busy_time(
    busy: list[str], before: int, after: int, expected: list[str]
) -> None:
    schedule = ProviderSchedule("dr", rules=(rule(),), busy=tuple(span(b) for b in busy))

    assert starts(schedule, before=before, after=after) == expected


def test_it_takes_busy_time_already_widened_by_its_own_buffers() -> None:
    # The host widened a 10:00-10:30 visit that needs 15 minutes after it to 10:00-10:45.
    schedule = ProviderSchedule("dr", rules=(rule(),), busy=(span("10:00-10:45"),))

    assert starts(schedule) == ["09:00", "09:30", "11:00", "11:30"]


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        pytest.param(["10:00-11:00"], ["09:00", "09:30", "11:00", "11:30"], id="block-splits-window"),
        pytest.param(["10:15-10:45"], ["09:00", "09:30", "11:00", "11:30"], id="block-off-grid-grid-unchanged"),
        pytest.param(["09:00-10:00", "11:00-12:00"], ["10:00", "10:30"], id="blocks-at-both-ends"),
        pytest.param(["08:00-13:00"], [], id="block-covers-window"),
        pytest.param(["10:00-10:30", "10:20-11:00"], ["09:00", "09:30", "11:00", "11:30"], id="overlapping-blocks"),
        pytest.param(["12:00-13:00"], ALL, id="block-touching-the-end"),
    ],
)
def test_it_removes_blocked_time(blocks: list[str], expected: list[str]) -> None:
    schedule = ProviderSchedule("dr", rules=(rule(),), blocks=tuple(span(b) for b in blocks))

    assert starts(schedule) == expected


def test_it_applies_blocks_at_every_location_but_busy_time_too() -> None:
    schedule = ProviderSchedule(
        "dr",
        rules=(rule("boston"), rule("cambridge", time(13), time(15))),
        blocks=(span("09:00-11:00"), span("13:00-14:00")),
        busy=(span("14:00-14:30"),),
    )

    assert starts(schedule) == ["11:00", "11:30", "14:30"]


def test_it_treats_a_long_visit_against_many_busy_intervals() -> None:
    # 90-minute visits on a 30-minute grid need three free half hours in a row.
    schedule = ProviderSchedule(
        "dr",
        rules=(rule(start=time(8), end=time(17)),),
        busy=tuple(span(b) for b in ["09:00-09:30", "11:30-12:00", "12:30-13:00", "15:00-15:10"]),
    )
    request = SlotRequest("visit", timedelta(minutes=90), at(0), at(23), now=at(0), step=timedelta(minutes=30))

    found = [f"{s.start.astimezone(NEW_YORK):%H:%M}" for s in find_slots([schedule], request)]

    assert found == ["09:30", "10:00", "13:00", "13:30", "15:30"]
