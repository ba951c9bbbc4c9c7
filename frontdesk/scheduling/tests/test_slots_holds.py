"""Holds: same-day and next-day windows open by the slot's local date in the window's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.scheduling.slots import Opening, ProviderSchedule, Rule, SlotRequest, find_slots

NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")


def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = NEW_YORK) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=zone)


def daily(start: time, end: time, hold: str = "", zone: ZoneInfo = NEW_YORK) -> Rule:
    return Rule("clinic", zone, "daily", 1, frozenset(), date(2026, 3, 1), None, start, end, hold=hold)


def starts(
    schedule: ProviderSchedule, now: datetime, *, zone: ZoneInfo = NEW_YORK, days: int = 3, step: int | None = None
) -> list[str]:
    request = SlotRequest(
        "visit",
        timedelta(hours=1),
        now,
        now + timedelta(days=days),
        now=now,
        step=None if step is None else timedelta(minutes=step),
    )
    return [f"{s.start.astimezone(zone):%d %H:%M}" for s in find_slots([schedule], request)]


@pytest.mark.parametrize(
    ("hold", "expected"),
    [
        pytest.param("", ["10 09:00", "10 10:00", "11 09:00", "11 10:00", "12 09:00", "12 10:00"], id="no-hold"),
        pytest.param("same_day", ["10 09:00", "10 10:00"], id="same-day-today-only"),
        pytest.param("next_day", ["10 09:00", "10 10:00", "11 09:00", "11 10:00"], id="next-day-today-and-tomorrow"),
    ],
)
def test_it_releases_held_windows_by_date(hold: str, expected: list[str]) -> None:
    schedule = ProviderSchedule("dr", rules=(daily(time(9), time(11), hold),))

    assert starts(schedule, at(10, 7)) == expected


@pytest.mark.parametrize(
    ("zone", "now", "expected"),
    [
        # 20:30 in New York is already the 11th in UTC; the hold follows New York's date.
        pytest.param(NEW_YORK, at(10, 20, 30), ["10 21:00", "10 22:00"], id="new-york-evening"),
        # 04:00 in Kolkata is still the 9th in UTC; the hold follows Kolkata's date.
        pytest.param(
            KOLKATA,
            at(10, 4, 0, KOLKATA),
            ["10 18:00", "10 19:00", "10 20:00", "10 21:00", "10 22:00"],
            id="kolkata-morning",
        ),
    ],
)
def test_it_uses_the_windows_local_date_not_utcs(zone: ZoneInfo, now: datetime, expected: list[str]) -> None:
    assert now.astimezone(UTC).date() != now.date()
    schedule = ProviderSchedule("dr", rules=(daily(time(18), time(23), "same_day", zone),))

    assert starts(schedule, now, zone=zone) == expected


@pytest.mark.parametrize(
    ("hold", "expected"),
    [
        pytest.param("same_day", ["10 22:00", "10 23:00"], id="same-day-stops-at-midnight"),
        pytest.param(
            "next_day",
            ["10 22:00", "10 23:00", "11 00:00", "11 01:00", "11 22:00", "11 23:00"],
            id="next-day-stops-at-the-second-midnight",
        ),
    ],
)
def test_it_holds_each_start_of_a_window_crossing_midnight_by_its_own_date(hold: str, expected: list[str]) -> None:
    schedule = ProviderSchedule("dr", rules=(daily(time(22), time(2), hold),))

    assert starts(schedule, at(10, 21)) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(
            at(10, 7),
            ["10 09:00", "10 09:30", "10 10:00", "10 10:30", "10 11:00", "10 11:30", "10 12:00"],
            id="released-today-visits-run-into-it",
        ),
        pytest.param(
            at(9, 7), ["10 09:00", "10 09:30", "10 10:00", "10 10:30", "10 11:00"], id="not-released-it-is-absent"
        ),
    ],
)
def test_it_counts_a_held_neighbour_only_while_released(now: datetime, expected: list[str]) -> None:
    # Ordinary 09:00-12:00 then a same-day 12:00-13:00; hour visits on a half-hour grid.
    schedule = ProviderSchedule("dr", rules=(daily(time(9), time(12)), daily(time(12), time(13), "same_day")))

    found = [s for s in starts(schedule, now, days=3, step=30) if s.startswith("10 ")]

    assert found == expected


@pytest.mark.parametrize(
    ("opening", "expected"),
    [
        pytest.param(
            Opening("clinic", at(11, 19), at(11, 20), hold="same_day", zone=NEW_YORK),
            [],
            id="zone-given-new-york-date-is-tomorrow",
        ),
        pytest.param(
            Opening("clinic", at(11, 19).astimezone(UTC), at(11, 20).astimezone(UTC), hold="same_day", zone=NEW_YORK),
            [],
            id="zone-given-wins-over-utc-datetimes",
        ),
        pytest.param(
            Opening("clinic", at(11, 19), at(11, 20), hold="same_day"),
            [],
            id="no-zone-uses-the-start-datetimes-zone",
        ),
        pytest.param(
            Opening("clinic", at(11, 19).astimezone(UTC), at(11, 20).astimezone(UTC), hold="same_day"),
            ["11 19:00"],
            id="no-zone-and-utc-datetimes-means-utc-dates",
        ),
        pytest.param(
            Opening("clinic", at(11, 19), at(11, 20), hold="next_day", zone=NEW_YORK),
            ["11 19:00"],
            id="next-day-opening",
        ),
    ],
)
def test_it_decides_an_openings_hold_in_its_zone(opening: Opening, expected: list[str]) -> None:
    # 20:30 on the 10th in New York is 00:30 on the 11th in UTC.
    assert starts(ProviderSchedule("dr", openings=(opening,)), at(10, 20, 30)) == expected
