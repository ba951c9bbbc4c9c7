"""Which dates a rule occurs on: daily/weekly intervals, weekday sets, inclusive bounds, midnight.

Pure tables, no database. Times are in UTC here so only the calendar logic is under test;
test_slots_dst.py covers the conversion of wall times.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from frontdesk.scheduling.slots import Interval, Rule, occurrences


def rule(**fields: Any) -> Rule:
    values: dict[str, Any] = {
        "location": "boston",
        "zone": UTC,
        "frequency": "weekly",
        "interval": 1,
        "weekdays": frozenset(),
        "start_date": date(2026, 1, 1),
        "end_date": None,
        "start": time(9),
        "end": time(17),
    }
    values.update(fields)
    return Rule(**values)


def days(windows: list[Interval]) -> list[str]:
    return [f"{w.start:%Y-%m-%d %a}" for w in windows]


def spans(windows: list[Interval]) -> list[str]:
    return [f"{w.start:%m-%d %H:%M}..{w.end:%m-%d %H:%M}" for w in windows]


# 2026-03-02 is a Monday.
@pytest.mark.parametrize(
    ("fields", "first", "last", "expected"),
    [
        pytest.param(
            {"frequency": "daily", "start_date": date(2026, 3, 2)},
            date(2026, 3, 1),
            date(2026, 3, 4),
            ["2026-03-02 Mon", "2026-03-03 Tue", "2026-03-04 Wed"],
            id="daily-from-start-date",
        ),
        pytest.param(
            {"frequency": "daily", "interval": 3, "start_date": date(2026, 3, 2)},
            date(2026, 3, 3),
            date(2026, 3, 12),
            ["2026-03-05 Thu", "2026-03-08 Sun", "2026-03-11 Wed"],
            id="every-third-day-counted-from-start-date-not-from-first",
        ),
        pytest.param(
            {"frequency": "daily", "weekdays": frozenset({0}), "start_date": date(2026, 3, 2)},
            date(2026, 3, 2),
            date(2026, 3, 3),
            ["2026-03-02 Mon", "2026-03-03 Tue"],
            id="daily-ignores-weekdays",
        ),
        pytest.param(
            {"weekdays": frozenset({0, 2, 4}), "start_date": date(2026, 3, 2)},
            date(2026, 3, 2),
            date(2026, 3, 15),
            [
                "2026-03-02 Mon",
                "2026-03-04 Wed",
                "2026-03-06 Fri",
                "2026-03-09 Mon",
                "2026-03-11 Wed",
                "2026-03-13 Fri",
            ],
            id="weekly-weekday-set",
        ),
        pytest.param(
            {"weekdays": frozenset(), "start_date": date(2026, 3, 4)},
            date(2026, 3, 1),
            date(2026, 3, 20),
            ["2026-03-04 Wed", "2026-03-11 Wed", "2026-03-18 Wed"],
            id="weekly-empty-weekdays-means-start-dates-weekday",
        ),
        pytest.param(
            # Start on a Thursday: Monday of that ISO week is before start_date and does not occur;
            # the next occurrences are two ISO weeks later.
            {"interval": 2, "weekdays": frozenset({0, 3}), "start_date": date(2026, 3, 5)},
            date(2026, 3, 1),
            date(2026, 3, 31),
            ["2026-03-05 Thu", "2026-03-16 Mon", "2026-03-19 Thu", "2026-03-30 Mon"],
            id="every-other-week-counted-from-the-iso-week-of-start-date",
        ),
        pytest.param(
            {"interval": 2, "weekdays": frozenset({0, 3}), "start_date": date(2026, 3, 5)},
            date(2026, 3, 20),
            date(2026, 3, 31),
            ["2026-03-30 Mon"],
            id="every-other-week-when-the-range-starts-in-an-off-week",
        ),
        pytest.param(
            {"interval": 3, "weekdays": frozenset({6}), "start_date": date(2026, 3, 2)},
            date(2026, 3, 1),
            date(2026, 4, 30),
            ["2026-03-08 Sun", "2026-03-29 Sun", "2026-04-19 Sun"],
            id="every-third-week-on-sunday",
        ),
        pytest.param(
            {"frequency": "daily", "start_date": date(2026, 3, 2), "end_date": date(2026, 3, 4)},
            date(2026, 3, 1),
            date(2026, 3, 10),
            ["2026-03-02 Mon", "2026-03-03 Tue", "2026-03-04 Wed"],
            id="start-and-end-date-are-inclusive",
        ),
        pytest.param(
            {"frequency": "daily", "start_date": date(2026, 3, 2), "end_date": date(2026, 3, 2)},
            date(2026, 3, 1),
            date(2026, 3, 10),
            ["2026-03-02 Mon"],
            id="one-day-rule",
        ),
        pytest.param(
            {"frequency": "daily", "start_date": date(2026, 3, 2)},
            date(2026, 3, 5),
            date(2026, 3, 5),
            ["2026-03-05 Thu"],
            id="first-and-last-are-inclusive",
        ),
        pytest.param(
            {"frequency": "daily", "start_date": date(2026, 3, 10)},
            date(2026, 3, 1),
            date(2026, 3, 9),
            [],
            id="range-before-rule",
        ),
        pytest.param(
            {"frequency": "daily", "start_date": date(2026, 3, 1), "end_date": date(2026, 3, 5)},
            date(2026, 3, 6),
            date(2026, 3, 9),
            [],
            id="range-after-rule",
        ),
        pytest.param({"frequency": "daily"}, date(2026, 3, 9), date(2026, 3, 1), [], id="empty-range"),
    ],
)
def test_it_lists_the_dates_a_rule_occurs_on(
    fields: dict[str, Any], first: date, last: date, expected: list[str]
) -> None:
    assert days(occurrences(rule(**fields), first, last)) == expected


@pytest.mark.parametrize(
    ("start", "end", "first", "last", "expected"),
    [
        pytest.param(
            time(9), time(17), date(2026, 3, 2), date(2026, 3, 2), ["03-02 09:00..03-02 17:00"], id="same-day"
        ),
        pytest.param(
            time(22),
            time(2),
            date(2026, 3, 2),
            date(2026, 3, 3),
            ["03-02 22:00..03-03 02:00", "03-03 22:00..03-04 02:00"],
            id="crossing-midnight-belongs-to-its-start-date",
        ),
        pytest.param(
            time(22),
            time(0),
            date(2026, 3, 2),
            date(2026, 3, 2),
            ["03-02 22:00..03-03 00:00"],
            id="ending-at-midnight-ends-next-day",
        ),
        pytest.param(
            time(8),
            time(8),
            date(2026, 3, 2),
            date(2026, 3, 2),
            ["03-02 08:00..03-03 08:00"],
            id="end-equal-start-is-24-hours",
        ),
        pytest.param(
            time(9, 15, 30, 250),
            time(9, 45),
            date(2026, 3, 2),
            date(2026, 3, 2),
            ["03-02 09:15..03-02 09:45"],
            id="seconds-and-microseconds-kept",
        ),
    ],
)
def test_it_turns_wall_times_into_windows(start: time, end: time, first: date, last: date, expected: list[str]) -> None:
    windows = occurrences(rule(frequency="daily", start=start, end=end), first, last)

    assert spans(windows) == expected
    assert all(w.start.tzinfo is UTC and w.end.tzinfo is UTC for w in windows)


def test_it_keeps_exact_sub_minute_times() -> None:
    [window] = occurrences(rule(frequency="daily", start=time(9, 15, 30, 250)), date(2026, 3, 2), date(2026, 3, 2))

    assert window.start == datetime(2026, 3, 2, 9, 15, 30, 250, tzinfo=UTC)


def test_it_ends_the_last_occurrence_after_end_date_when_it_crosses_midnight() -> None:
    windows = occurrences(
        rule(frequency="daily", start=time(22), end=time(6), start_date=date(2026, 3, 2), end_date=date(2026, 3, 3)),
        date(2026, 3, 1),
        date(2026, 3, 10),
    )

    assert spans(windows) == ["03-02 22:00..03-03 06:00", "03-03 22:00..03-04 06:00"]


def test_it_accepts_weekdays_and_note_types_as_any_iterable() -> None:
    made = rule(weekdays=[0, 2], note_types=["telehealth"])

    assert made.weekdays == frozenset({0, 2})
    assert made.note_types == frozenset({"telehealth"})
    assert hash(made)  # usable as a cache key by the host


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"frequency": "monthly"}, "frequency", id="frequency"),
        pytest.param({"interval": 0}, "interval", id="interval-zero"),
        pytest.param({"weekdays": frozenset({7})}, "weekdays", id="weekday-seven"),
        pytest.param({"weekdays": frozenset({-1})}, "weekdays", id="weekday-negative"),
        pytest.param({"end_date": date(2025, 12, 31)}, "end_date", id="end-before-start"),
        pytest.param({"hold": "tomorrow"}, "hold", id="hold"),
    ],
)
def test_it_rejects_a_malformed_rule(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rule(**fields)
