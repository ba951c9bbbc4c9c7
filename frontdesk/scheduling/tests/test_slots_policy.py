"""Booking policy: notice, horizon, the search range, note types, locations, empty inputs, bad input."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from frontdesk.scheduling.slots import Interval, Opening, ProviderSchedule, Rule, SlotRequest, find_slots

NEW_YORK = ZoneInfo("America/New_York")
MONDAY = date(2026, 3, 9)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Wall time in New York on 2026-03-<day>."""
    return datetime(2026, 3, day, hour, minute, tzinfo=NEW_YORK)


def rule(location: str = "boston", note_types: frozenset[str] | None = None, **fields: Any) -> Rule:
    values: dict[str, Any] = {
        "zone": NEW_YORK,
        "frequency": "daily",
        "interval": 1,
        "weekdays": frozenset(),
        "start_date": MONDAY,
        "end_date": None,
        "start": time(9),
        "end": time(12),
    }
    values.update(fields)
    return Rule(location, note_types=note_types, **values)


def request(**fields: Any) -> SlotRequest:
    values: dict[str, Any] = {
        "note_type": "office",
        "duration": timedelta(minutes=60),
        "start": at(9, 0),
        "end": at(12, 0),
        "now": at(9, 0),
    }
    values.update(fields)
    return SlotRequest(**values)


def starts(schedules: Iterable[ProviderSchedule], req: SlotRequest) -> list[str]:
    return [f"{s.start.astimezone(NEW_YORK):%d %H:%M} {s.location}" for s in find_slots(schedules, req)]


ONE = [ProviderSchedule("dr", rules=(rule(),))]
DAY_9 = ["09 09:00 boston", "09 10:00 boston", "09 11:00 boston"]


DAY_10 = ["10 09:00 boston", "10 10:00 boston", "10 11:00 boston"]
THREE_DAYS = at(12, 0)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({}, DAY_9, id="no-policy"),
        pytest.param(
            {"end": THREE_DAYS},
            [*DAY_9, *DAY_10, "11 09:00 boston", "11 10:00 boston", "11 11:00 boston"],
            id="no-policy-three-days",
        ),
        pytest.param({"now": at(9, 9, 30)}, ["09 10:00 boston", "09 11:00 boston"], id="nothing-in-the-past"),
        pytest.param({"now": at(9, 10)}, ["09 10:00 boston", "09 11:00 boston"], id="now-itself-is-bookable"),
        pytest.param(
            {"now": at(9, 8), "min_notice": timedelta(hours=2)},
            ["09 10:00 boston", "09 11:00 boston"],
            id="notice-exactly-reached",
        ),
        pytest.param(
            {"now": at(9, 8, 1), "min_notice": timedelta(hours=2)}, ["09 11:00 boston"], id="notice-one-minute-short"
        ),
        pytest.param(
            {"now": at(8, 10, 30), "min_notice": timedelta(days=1), "end": at(11, 0)},
            ["09 11:00 boston", *DAY_10],
            id="notice-of-a-day",
        ),
        pytest.param(
            {"now": at(9, 8), "horizon": timedelta(hours=3)},
            ["09 09:00 boston", "09 10:00 boston"],
            id="horizon-excludes-its-end",
        ),
        pytest.param(
            {"now": at(9, 8), "horizon": timedelta(days=1, hours=2), "end": THREE_DAYS},
            [*DAY_9, "10 09:00 boston"],
            id="horizon-over-days",
        ),
        pytest.param(
            {"now": at(9, 8), "horizon": timedelta(hours=2), "min_notice": timedelta(hours=2)},
            [],
            id="horizon-within-notice",
        ),
    ],
)
def test_it_applies_notice_and_horizon(fields: dict[str, Any], expected: list[str]) -> None:
    fields.setdefault("end", at(10, 0))
    assert starts(ONE, request(**fields)) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(at(9, 10), at(9, 11), ["09 10:00 boston"], id="start-inclusive-end-exclusive"),
        pytest.param(at(9, 10), at(9, 10, 1), ["09 10:00 boston"], id="one-minute-range"),
        pytest.param(at(9, 11, 30), at(9, 12), [], id="the-only-slot-starts-before-the-range"),
        pytest.param(at(9, 11), at(9, 11, 1), ["09 11:00 boston"], id="slot-may-end-after-the-range"),
        pytest.param(at(9, 10), at(9, 10), [], id="empty-range"),
        pytest.param(at(9, 11), at(9, 10), [], id="reversed-range"),
    ],
)
def test_it_offers_starts_within_the_search_range(start: datetime, end: datetime, expected: list[str]) -> None:
    assert starts(ONE, request(start=start, end=end, now=at(9, 0))) == expected


def test_it_compares_instants_not_wall_times_of_the_request() -> None:
    # The same range given in UTC and in Kolkata time finds the same slots.
    in_utc = request(start=at(9, 10).astimezone(UTC), end=at(9, 11, 1).astimezone(UTC), now=at(9, 0).astimezone(UTC))
    in_kolkata = request(
        start=at(9, 10).astimezone(ZoneInfo("Asia/Kolkata")),
        end=at(9, 11, 1).astimezone(ZoneInfo("Asia/Kolkata")),
        now=at(9, 0).astimezone(ZoneInfo("Asia/Kolkata")),
    )

    assert starts(ONE, in_utc) == starts(ONE, in_kolkata) == ["09 10:00 boston", "09 11:00 boston"]


TWO_LOCATIONS = [
    ProviderSchedule(
        "dr",
        rules=(rule("boston", end_date=MONDAY), rule("cambridge", start=time(10), end=time(11), end_date=MONDAY)),
    )
]


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        pytest.param(
            None, ["09 09:00 boston", "09 10:00 boston", "09 10:00 cambridge", "09 11:00 boston"], id="any-location"
        ),
        pytest.param("boston", DAY_9, id="boston-only"),
        pytest.param("cambridge", ["09 10:00 cambridge"], id="cambridge-only"),
        pytest.param("worcester", [], id="unknown-location"),
    ],
)
def test_it_filters_by_location(location: str | None, expected: list[str]) -> None:
    assert starts(TWO_LOCATIONS, request(location=location)) == expected


@pytest.mark.parametrize(
    ("rule_types", "note_type", "expected"),
    [
        pytest.param(None, "office", DAY_9, id="rule-for-any-type"),
        pytest.param(frozenset({"office", "telehealth"}), "office", DAY_9, id="type-listed"),
        pytest.param(frozenset({"telehealth"}), "office", [], id="type-not-listed"),
        pytest.param(frozenset(), "office", [], id="empty-set-allows-nothing"),
    ],
)
def test_it_filters_rules_by_note_type(rule_types: frozenset[str] | None, note_type: str, expected: list[str]) -> None:
    schedules = [ProviderSchedule("dr", rules=(rule(note_types=rule_types, end_date=MONDAY),))]

    assert starts(schedules, request(note_type=note_type)) == expected


def test_it_filters_openings_by_note_type_and_unites_only_what_is_allowed() -> None:
    # A telehealth-only opening right after the office window does not lengthen it for office visits.
    schedule = ProviderSchedule(
        "dr",
        rules=(rule(end_date=MONDAY),),
        openings=(Opening("boston", at(9, 12), at(9, 13), note_types=frozenset({"telehealth"})),),
    )
    ninety = timedelta(minutes=90)

    office = starts([schedule], request(duration=ninety, step=timedelta(minutes=30), note_type="office"))
    telehealth = starts([schedule], request(duration=ninety, step=timedelta(minutes=30), note_type="telehealth"))

    assert office == ["09 09:00 boston", "09 09:30 boston", "09 10:00 boston", "09 10:30 boston"]
    assert telehealth[-2:] == ["09 11:00 boston", "09 11:30 boston"]


@pytest.mark.parametrize(
    "schedules",
    [
        pytest.param([], id="no-providers"),
        pytest.param([ProviderSchedule("dr")], id="no-rules"),
        pytest.param([ProviderSchedule("dr", rules=(rule(start_date=date(2026, 4, 1)),))], id="rule-starts-later"),
        pytest.param(
            [ProviderSchedule("dr", rules=(rule(start_date=date(2026, 3, 1), end_date=date(2026, 3, 8)),))],
            id="rule-ended",
        ),
        pytest.param(
            [ProviderSchedule("dr", busy=(Interval(at(9, 9), at(9, 12)),), blocks=(Interval(at(9, 9), at(9, 12)),))],
            id="busy-and-blocks-only",
        ),
    ],
)
def test_it_returns_nothing_for_empty_inputs(schedules: list[ProviderSchedule]) -> None:
    assert find_slots(schedules, request()) == []


def test_it_accepts_any_iterable_of_schedules() -> None:
    assert starts(iter(ONE), request()) == starts(ONE, request())


NAIVE = datetime(2026, 3, 9, 9)  # noqa: DTZ001 - deliberately naive


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(lambda: request(start=NAIVE), "aware", id="naive-start"),
        pytest.param(lambda: request(now=NAIVE), "aware", id="naive-now"),
        pytest.param(lambda: request(duration=timedelta(0)), "duration", id="zero-duration"),
        pytest.param(lambda: request(step=timedelta(0)), "step", id="zero-step"),
        pytest.param(lambda: request(buffer_before=timedelta(minutes=-5)), "buffer_before", id="negative-buffer"),
        pytest.param(lambda: request(min_notice=timedelta(minutes=-5)), "min_notice", id="negative-notice"),
        pytest.param(lambda: request(horizon=timedelta(0)), "horizon", id="zero-horizon"),
        pytest.param(lambda: Interval(at(9, 10), at(9, 10)), "start < end", id="empty-interval"),
        pytest.param(lambda: Interval(NAIVE, at(9, 10)), "aware", id="naive-interval"),
        pytest.param(lambda: Opening("boston", at(9, 10), at(9, 9)), "start < end", id="reversed-opening"),
        pytest.param(lambda: Opening("boston", at(9, 10), at(9, 11), hold="later"), "hold", id="opening-hold"),
    ],
)
def test_it_rejects_malformed_input(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()
