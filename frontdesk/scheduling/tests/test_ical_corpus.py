"""Every calendar in the test data of icalendar and recurring-ical-events is read or refused cleanly.

The two libraries ship the odd, broken and historic calendars their bugs were reported with. Each one
must come back as events or as an IcalError for staff; files refused are pinned here with the reason,
so a library upgrade that changes the outcome is looked at, not waved through.
"""

from __future__ import annotations

import contextlib
import random
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from icalendar.error import GloballyUniqueTZIDGuessed

from frontdesk.scheduling.ical import CalendarEvent, IcalError, parse_calendar

SITE_PACKAGES = Path(icalendar.__file__).parent.parent
FILES = sorted(
    {
        *Path(icalendar.__file__).parent.joinpath("tests").rglob("*.ics"),
        *Path(recurring_ical_events.__file__).parent.joinpath("test").rglob("*.ics"),
    }
)
START = datetime(1990, 1, 1, tzinfo=UTC)
END = datetime(2035, 1, 1, tzinfo=UTC)
ZONE = ZoneInfo("America/New_York")

# Whole calendars that are refused, and why (a fragment of the message).
REFUSED = {
    # Two DTSTART lines in one event (the files test VTIMEZONE forward references, not events).
    "icalendar/tests/calendars/america_new_york_forward_reference.ics": "has more than one DTSTART",
    "icalendar/tests/calendars/pacific_fiji.ics": "has more than one DTSTART",
    # BEGIN:VCALENDAR never closed: a truncated download.
    "icalendar/tests/calendars/big_bad_calendar.ics": "incomplete",
    "icalendar/tests/calendars/small_bad_calendar.ics": "incomplete",
    "icalendar/tests/calendars/pr_480_summary_with_colon.ics": "incomplete",
    # Values that are not dates, durations or rules.
    "icalendar/tests/calendars/broken_dtstart.ics": "unreadable DTSTART: 'INVALID-DATE'",
    "icalendar/tests/calendars/issue_1081_invalid_start_and_end.ics": "unreadable DTSTART: 'INVALID-DATE'",
    "icalendar/tests/calendars/issue_1081_invalid_start_valid_end.ics": "unreadable DTSTART: 'INVALID-DATE'",
    "icalendar/tests/calendars/invalid_duration.ics": "unreadable DURATION: 'P999999999999999999W'",
    "icalendar/tests/calendars/parsing_error.ics": "unreadable EXDATE",
    "icalendar/tests/calendars/issue_1081_invalid_rrule_freq.ics": "unreadable RRULE",
    "recurring_ical_events/test/calendars/bad_rrule_missing_until_event.ics": "RRULE that cannot be used",
    "icalendar/tests/calendars/multiple_timezones.ics": "RDATE is a time of day without a date",
    # Lines that are not iCalendar at all.
    "icalendar/tests/calendars/issue_104_broken_calendar.ics": "could not be read: Content line could not be parsed",
    "icalendar/tests/calendars/parsing_error_in_UTC_offset.ics": "Offset must be less than 24 hours",
    # RFC 7529 repetition by the Chinese, Ethiopic and Hebrew calendars: not supported.
    "icalendar/tests/calendars/rfc_7529.ics": "repeats by the Chinese calendar",
}
# Fragments (a lone VEVENT, VTIMEZONE, VALARM ...) are not calendars. Wrapped in a VCALENDAR they
# are read, except these.
WRAPPED_REFUSED = {
    "icalendar/tests/calendars/fuzz_testcase_0_char_in_component_name.ics": "no VCALENDAR",
    "icalendar/tests/calendars/fuzz_testcase_invalid_month.ics": "could not be read",
    "icalendar/tests/calendars/fuzz_testcase_vtimezone_lone_cr.ics": "could not be read",
    "icalendar/tests/events/issue_464_invalid_rdate.ics": "unreadable RDATE",
}


@pytest.fixture(autouse=True)
def _quiet_tzid_guesses() -> Iterator[None]:
    # Mozilla writes TZIDs like /mozilla.org/20070129_1/America/New_York; icalendar guesses them right, and says so.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GloballyUniqueTZIDGuessed)
        yield


def _name(path: Path) -> str:
    return path.relative_to(SITE_PACKAGES).as_posix()


def _is_fragment(data: bytes) -> bool:
    return not data.lstrip(b"\xef\xbb\xbf \t\r\n").upper().startswith(b"BEGIN:VCALENDAR")


def _check(events: list[CalendarEvent]) -> None:
    assert all(isinstance(e, CalendarEvent) for e in events)
    assert all(e.start.tzinfo is UTC and e.end.tzinfo is UTC and e.start <= e.end for e in events)
    assert all(e.start < END and (e.end > START or e.start == e.end >= START) for e in events)
    assert [e.start for e in events] == sorted(e.start for e in events)


def test_it_finds_the_libraries_test_data() -> None:
    assert len(FILES) > 200
    assert set(REFUSED) | set(WRAPPED_REFUSED) <= {_name(p) for p in FILES}


@pytest.mark.parametrize("path", FILES, ids=_name)
def test_it_reads_or_refuses_every_calendar_of_the_libraries(path: Path) -> None:
    data = path.read_bytes()
    name = _name(path)
    try:
        events = parse_calendar(data, start=START, end=END, default_zone=ZONE)
    except IcalError as exc:
        message = str(exc)
        if _is_fragment(data):
            assert "not an iCalendar calendar" in message
        else:
            assert name in REFUSED, f"{name} was refused: {message}"
            assert REFUSED[name] in message
        assert "Traceback" not in message and "\n" not in message
    else:
        assert name not in REFUSED and not _is_fragment(data), f"{name} was read"
        _check(events)


@pytest.mark.parametrize("path", [p for p in FILES if _is_fragment(p.read_bytes())], ids=_name)
def test_it_reads_fragments_once_they_are_wrapped_in_a_calendar(path: Path) -> None:
    data = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        + path.read_bytes().strip()
        + b"\r\nEND:VCALENDAR\r\n"
    )
    name = _name(path)
    try:
        events = parse_calendar(data, start=START, end=END, default_zone=ZONE)
    except IcalError as exc:
        assert name in WRAPPED_REFUSED, f"{name} was refused: {exc}"
        assert WRAPPED_REFUSED[name] in str(exc)
    else:
        assert name not in WRAPPED_REFUSED
        _check(events)


def test_it_answers_mangled_calendars_with_events_or_an_ical_error_only() -> None:
    """Bytes cut, repeated and spliced into the corpus (fuzzing found icalendar's parser raising
    TypeError, AttributeError and OSError on such input; all must arrive as IcalError)."""
    calendars = [d for d in (p.read_bytes() for p in FILES) if not _is_fragment(d)]
    pieces = [b";", b":", b"=", b",", b"\r\n", b"Z", b"-", b"99999999", b"TZID=Europe", b"VALUE=DATE", b"/", b"\x00"]
    pieces += [
        b"END:VEVENT\r\nBEGIN:VEVENT\r\n",
        b"RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30\r\n",
        b"RANGE=THISANDFUTURE",
    ]
    rng = random.Random(5545)
    for _ in range(300):
        data = bytearray(rng.choice(calendars))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data) + 1)
            if rng.random() < 0.4:
                del data[at : at + rng.randint(1, 8)]
            else:
                data[at:at] = rng.choice(pieces)
        with contextlib.suppress(IcalError):
            _check(parse_calendar(bytes(data), start=START, end=END, default_zone=ZONE))


def _library_intervals(data: bytes) -> list[tuple[datetime, datetime]] | None:
    """The occurrences recurring-ical-events finds on its own, as UTC intervals; None if it fails."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
        components = recurring_ical_events.of(calendar).between(START - timedelta(days=2), END + timedelta(days=2))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    intervals = []
    for component in components:
        if str(component.get("STATUS", "")).upper() == "CANCELLED":
            continue
        start = _utc(component["DTSTART"].dt)
        end = _utc(component["DTEND"].dt) if "DTEND" in component else start
        if start < END and (end > START or start == end >= START):
            intervals.append((start, end))
    return sorted(intervals)


def _utc(value: date) -> datetime:
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0), tzinfo=ZONE)
    return (value if value.tzinfo else value.replace(tzinfo=ZONE)).astimezone(UTC)


@pytest.mark.parametrize("path", [p for p in FILES if not _is_fragment(p.read_bytes())], ids=_name)
def test_it_expands_what_recurring_ical_events_expands_on_its_own(path: Path) -> None:
    """parse_calendar walks rules its own way (lazily, within a budget): the occurrences must be the same."""
    data = path.read_bytes()
    if _name(path) in REFUSED or (expected := _library_intervals(data)) is None:
        pytest.skip("refused here, or the library fails on it by itself")
    events = parse_calendar(data, start=START, end=END, default_zone=ZONE)
    assert sorted((e.start, e.end) for e in events) == expected
