"""`available()`, the calendar view, and how rules and openings combine across locations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.scheduling.slots import Interval, Opening, ProviderSchedule, Rule, SlotRequest, available, find_slots

NEW_YORK = ZoneInfo("America/New_York")
DAY = date(2026, 3, 10)


def at(hour: int, minute: int = 0, day: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=NEW_YORK)


def daily(location: str, start: time, end: time, note_types: frozenset[str] | None = None, hold: str = "") -> Rule:
    return Rule(location, NEW_YORK, "daily", 1, frozenset(), DAY, DAY, start, end, note_types, hold)


def local(intervals: list[Interval]) -> list[str]:
    return [f"{i.start.astimezone(NEW_YORK):%H:%M}-{i.end.astimezone(NEW_YORK):%H:%M}" for i in intervals]


TELE = frozenset({"telehealth"})


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        pytest.param(ProviderSchedule("dr"), {}, id="nothing"),
        pytest.param(
            ProviderSchedule("dr", rules=(daily("boston", time(9), time(12)), daily("boston", time(11), time(14)))),
            {("boston", None, ""): ["09:00-14:00"]},
            id="overlapping-rules-merge",
        ),
        pytest.param(
            ProviderSchedule(
                "dr",
                rules=(daily("boston", time(9), time(12)),),
                openings=(Opening("boston", at(12), at(13)), Opening("boston", at(15), at(16))),
            ),
            {("boston", None, ""): ["09:00-13:00", "15:00-16:00"]},
            id="touching-opening-merges-a-separate-one-does-not",
        ),
        pytest.param(
            ProviderSchedule(
                "dr",
                rules=(daily("boston", time(9), time(12)), daily("boston", time(9), time(12), TELE)),
                openings=(Opening("cambridge", at(14), at(15), hold="same_day"),),
            ),
            {
                ("boston", None, ""): ["09:00-12:00"],
                ("boston", TELE, ""): ["09:00-12:00"],
                ("cambridge", None, "same_day"): ["14:00-15:00"],
            },
            id="grouped-by-location-note-types-and-hold",
        ),
        pytest.param(
            ProviderSchedule(
                "dr",
                rules=(daily("boston", time(9), time(12)), daily("cambridge", time(13), time(17))),
                blocks=(Interval(at(10), at(11)), Interval(at(13), at(17))),
            ),
            {("boston", None, ""): ["09:00-10:00", "11:00-12:00"]},
            id="blocks-everywhere-and-empty-groups-dropped",
        ),
        pytest.param(
            ProviderSchedule("dr", rules=(daily("boston", time(6), time(23)),)),
            {("boston", None, ""): ["08:00-20:00"]},
            id="clipped-to-the-range",
        ),
    ],
)
def test_it_reports_availability_per_group(
    schedule: ProviderSchedule, expected: dict[tuple[str, frozenset[str] | None, str], list[str]]
) -> None:
    found = available(schedule, at(8), at(20))

    assert {key: local(value) for key, value in found.items()} == expected
    assert all(i.start.tzinfo is UTC for value in found.values() for i in value)


def test_it_includes_a_window_from_the_previous_night() -> None:
    schedule = ProviderSchedule(
        "dr", rules=(Rule("er", NEW_YORK, "daily", 1, frozenset(), DAY, DAY, time(22), time(6)),)
    )

    found = available(schedule, at(0, day=11), at(12, day=11))

    assert local(found[("er", None, "")]) == ["00:00-06:00"]


def test_it_returns_nothing_for_an_empty_range() -> None:
    assert available(ProviderSchedule("dr", rules=(daily("boston", time(9), time(12)),)), at(10), at(10)) == {}


def test_it_offers_the_same_provider_at_two_locations() -> None:
    schedule = ProviderSchedule("dr", rules=(daily("cambridge", time(9), time(10)), daily("boston", time(9), time(10))))
    request = SlotRequest("visit", timedelta(minutes=30), at(0), at(23), now=at(0))

    found = [(s.location, f"{s.start.astimezone(NEW_YORK):%H:%M}") for s in find_slots([schedule], request)]

    assert found == [("boston", "09:00"), ("cambridge", "09:00"), ("boston", "09:30"), ("cambridge", "09:30")]


def test_it_merges_rules_and_openings_without_duplicates() -> None:
    schedule = ProviderSchedule(
        "dr",
        rules=(daily("boston", time(9), time(11)), daily("boston", time(10), time(12))),
        openings=(Opening("boston", at(9), at(10)),),
    )
    request = SlotRequest("visit", timedelta(minutes=30), at(0), at(23), now=at(0))

    found = [f"{s.start.astimezone(NEW_YORK):%H:%M}" for s in find_slots([schedule], request)]

    assert found == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
