"""Reading calendars into busy/available intervals: recurrence, time zones, all-day events, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.scheduling import ical
from frontdesk.scheduling.ical import CalendarEvent, IcalError, parse_calendar

NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
START = datetime(2024, 1, 1, tzinfo=UTC)
END = datetime(2025, 1, 1, tzinfo=UTC)


def calendar(*lines: str, head: tuple[str, ...] = ()) -> bytes:
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *head, *lines, "END:VCALENDAR"]
    return ("\r\n".join(body) + "\r\n").encode()


def event(*lines: str, uid: str = "e1@test", summary: str = "Clinic") -> tuple[str, ...]:
    return ("BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20240101T000000Z", f"SUMMARY:{summary}", *lines, "END:VEVENT")


def parse(data: bytes, zone: ZoneInfo = NEW_YORK, start: datetime = START, end: datetime = END) -> list[CalendarEvent]:
    return parse_calendar(data, start=start, end=end, default_zone=zone)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def local(events: list[CalendarEvent], zone: ZoneInfo = NEW_YORK) -> list[str]:
    return [f"{e.start.astimezone(zone):%Y-%m-%d %H:%M}-{e.end.astimezone(zone):%H:%M}" for e in events]


def test_it_repeats_a_weekly_event_except_on_its_exdates() -> None:
    data = calendar(
        *event(
            "DTSTART;TZID=America/New_York:20240105T090000",
            "DTEND;TZID=America/New_York:20240105T120000",
            "RRULE:FREQ=WEEKLY;BYDAY=FR;COUNT=4",
            "EXDATE;TZID=America/New_York:20240112T090000",
        )
    )
    events = parse(data)
    assert local(events) == ["2024-01-05 09:00-12:00", "2024-01-19 09:00-12:00", "2024-01-26 09:00-12:00"]
    assert [e.recurrence_id for e in events] == ["20240105T140000Z", "20240119T140000Z", "20240126T140000Z"]
    assert {(e.uid, e.summary, e.busy, e.all_day) for e in events} == {("e1@test", "Clinic", True, False)}


def test_it_moves_the_occurrence_a_recurrence_id_overrides() -> None:
    data = calendar(
        *event(
            "DTSTART;TZID=America/New_York:20240108T090000",
            "DTEND;TZID=America/New_York:20240108T100000",
            "RRULE:FREQ=DAILY;COUNT=3",
        ),
        *event(
            "RECURRENCE-ID;TZID=America/New_York:20240109T090000",
            "DTSTART;TZID=America/New_York:20240109T150000",
            "DTEND;TZID=America/New_York:20240109T163000",
            summary="Clinic (afternoon)",
        ),
    )
    events = parse(data)
    assert local(events) == ["2024-01-08 09:00-10:00", "2024-01-09 15:00-16:30", "2024-01-10 09:00-10:00"]
    moved = events[1]
    assert moved.summary == "Clinic (afternoon)"
    assert moved.recurrence_id == "20240109T140000Z"  # the original start identifies the occurrence


def test_it_drops_an_occurrence_cancelled_by_its_override_and_cancelled_events() -> None:
    data = calendar(
        *event("DTSTART:20240108T140000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY;COUNT=3"),
        *event("RECURRENCE-ID:20240109T140000Z", "DTSTART:20240109T140000Z", "DURATION:PT1H", "STATUS:CANCELLED"),
        *event("DTSTART:20240301T140000Z", "DURATION:PT1H", "STATUS:CANCELLED", uid="gone@test"),
    )
    assert [e.start for e in parse(data)] == [utc(2024, 1, 8, 14), utc(2024, 1, 10, 14)]


def test_it_keeps_a_repeating_time_at_local_time_across_daylight_saving_in_a_vtimezone() -> None:
    # A VTIMEZONE under a name no zone database knows: its own rules decide the offsets.
    vtimezone = (
        "BEGIN:VTIMEZONE",
        "TZID:Eastern Time (clinic)",
        "BEGIN:STANDARD",
        "DTSTART:19701101T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
        "TZOFFSETFROM:-0400",
        "TZOFFSETTO:-0500",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:19700308T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
        "TZOFFSETFROM:-0500",
        "TZOFFSETTO:-0400",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
    )
    data = calendar(
        *vtimezone,
        *event(
            "DTSTART;TZID=Eastern Time (clinic):20240306T090000",
            "DTEND;TZID=Eastern Time (clinic):20240306T100000",
            "RRULE:FREQ=DAILY;COUNT=10",
        ),
    )
    events = parse(data, zone=ZoneInfo("UTC"))
    assert [e.start.astimezone(NEW_YORK).strftime("%H:%M") for e in events] == ["09:00"] * 10
    assert events[0].start == utc(2024, 3, 6, 14)  # EST, before the change on 10 March
    assert events[-1].start == utc(2024, 3, 15, 13)  # EDT, after it


def test_it_reads_each_calendars_own_definition_of_a_custom_time_zone_name() -> None:
    """icalendar keeps the first VTIMEZONE it saw for a name it does not know, process-wide;
    Outlook calls many different zones "Customized Time Zone"."""

    def outlook(offset: str) -> bytes:
        return calendar(
            "BEGIN:VTIMEZONE",
            "TZID:Customized Time Zone",
            "BEGIN:STANDARD",
            "DTSTART:16010101T000000",
            f"TZOFFSETFROM:{offset}",
            f"TZOFFSETTO:{offset}",
            "END:STANDARD",
            "END:VTIMEZONE",
            *event("DTSTART;TZID=Customized Time Zone:20240301T090000", "DURATION:PT1H"),
        )

    assert parse(outlook("+0500"))[0].start == utc(2024, 3, 1, 4)
    assert parse(outlook("-0300"))[0].start == utc(2024, 3, 1, 12)


def test_it_reads_floating_times_in_the_default_zone() -> None:
    data = calendar(*event("DTSTART:20240301T090000", "DTEND:20240301T093000"))
    [chicago] = parse(data, zone=CHICAGO)
    assert (chicago.start, chicago.end) == (utc(2024, 3, 1, 15), utc(2024, 3, 1, 15, 30))
    [new_york] = parse(data, zone=NEW_YORK)
    assert new_york.start == utc(2024, 3, 1, 14)


def test_it_keeps_a_floating_repetition_at_local_time_across_daylight_saving() -> None:
    data = calendar(*event("DTSTART:20240308T090000", "DURATION:PT1H", "RRULE:FREQ=DAILY;COUNT=3"))
    assert [e.start for e in parse(data)] == [utc(2024, 3, 8, 14), utc(2024, 3, 9, 14), utc(2024, 3, 10, 13)]


def test_it_reads_all_day_events_as_local_midnight_to_midnight() -> None:
    data = calendar(
        *event("DTSTART;VALUE=DATE:20240301", "DTEND;VALUE=DATE:20240302", summary="Conference"),
        *event("DTSTART;VALUE=DATE:20240309", "DTEND;VALUE=DATE:20240311", uid="e2@test", summary="Weekend away"),
        *event("DTSTART;VALUE=DATE:20240401", uid="e3@test", summary="No end given"),
    )
    conference, weekend, no_end = parse(data)
    assert conference.all_day and weekend.all_day and no_end.all_day
    assert (conference.start, conference.end) == (utc(2024, 3, 1, 5), utc(2024, 3, 2, 5))
    assert (weekend.start, weekend.end) == (utc(2024, 3, 9, 5), utc(2024, 3, 11, 4))  # 47 hours: clocks go forward
    assert (no_end.start, no_end.end) == (utc(2024, 4, 1, 4), utc(2024, 4, 2, 4))  # RFC 5545: one day


def test_it_reads_a_duration_and_the_defaults_for_an_event_without_an_end() -> None:
    data = calendar(
        *event("DTSTART:20240301T140000Z", "DURATION:PT45M"),
        *event("DTSTART:20240302T140000Z", uid="e2@test"),
    )
    with_duration, instant = parse(data)
    assert with_duration.end - with_duration.start == timedelta(minutes=45)
    assert instant.start == instant.end == utc(2024, 3, 2, 14)  # RFC 5545: no DTEND or DURATION takes no time


def test_it_marks_transparent_events_as_free() -> None:
    data = calendar(
        *event("DTSTART:20240301T140000Z", "DURATION:PT1H", "TRANSP:TRANSPARENT", summary="Office hours"),
        *event("DTSTART:20240302T140000Z", "DURATION:PT1H", "TRANSP:OPAQUE", uid="e2@test"),
        *event("DTSTART:20240303T140000Z", "DURATION:PT1H", "X-MICROSOFT-CDO-BUSYSTATUS:FREE", uid="e3@test"),
    )
    assert [e.busy for e in parse(data)] == [False, True, False]


def test_it_repairs_googles_x_wr_timezone_calendars() -> None:
    """Google writes repeating events in UTC and means the calendar's zone: 09:00 stays 09:00."""
    data = calendar(
        *event("DTSTART:20240306T140000Z", "DTEND:20240306T150000Z", "RRULE:FREQ=WEEKLY;COUNT=2"),
        *event("DTSTART:20240307T100000", "DURATION:PT1H", uid="floating@test"),
        head=("X-WR-CALNAME:Dr. Patel", "X-WR-TIMEZONE:America/Los_Angeles"),
    )
    weekly, floating, later = parse(data, zone=NEW_YORK)
    pacific = ZoneInfo("America/Los_Angeles")
    assert [weekly.start, later.start] == [utc(2024, 3, 6, 14), utc(2024, 3, 13, 13)]
    assert {weekly.start.astimezone(pacific).hour, later.start.astimezone(pacific).hour} == {6}
    assert floating.start == utc(2024, 3, 7, 18)  # floating times, too, are in the calendar's zone


def test_it_returns_only_occurrences_overlapping_the_window_sorted_by_start() -> None:
    data = calendar(
        *event("DTSTART:20240301T130000Z", "DTEND:20240301T140000Z", uid="ends-at-start@test"),
        *event("DTSTART:20240301T133000Z", "DTEND:20240301T143000Z", uid="overlaps-start@test"),
        *event("DTSTART:20240301T180000Z", "DTEND:20240301T190000Z", uid="inside-late@test"),
        *event("DTSTART:20240301T150000Z", "DTEND:20240301T151500Z", uid="inside@test"),
        *event("DTSTART:20240301T200000Z", "DTEND:20240301T210000Z", uid="starts-at-end@test"),
    )
    events = parse(data, start=utc(2024, 3, 1, 14), end=utc(2024, 3, 1, 20))
    assert [e.uid for e in events] == ["overlaps-start@test", "inside@test", "inside-late@test"]


def test_it_adds_rdates_and_reads_several_calendars_in_one_file() -> None:
    first = calendar(*event("DTSTART:20240301T140000Z", "DURATION:PT1H", "RDATE:20240305T160000Z"))
    second = calendar(*event("DTSTART:20240302T140000Z", "DURATION:PT1H", uid="other@test"))
    events = parse(first + second)
    assert [(e.uid, e.start) for e in events] == [
        ("e1@test", utc(2024, 3, 1, 14)),
        ("other@test", utc(2024, 3, 2, 14)),
        ("e1@test", utc(2024, 3, 5, 16)),
    ]


def test_it_gives_an_event_without_uid_the_same_made_up_uid_every_time() -> None:
    data = calendar("BEGIN:VEVENT", "DTSTART:20240301T140000Z", "DURATION:PT1H", "SUMMARY:x", "END:VEVENT")
    assert parse(data)[0].uid == parse(data)[0].uid != ""
    assert parse(data)[0].recurrence_id is None


def test_it_repairs_a_repetition_rule_broken_only_by_spaces() -> None:
    data = calendar(*event("DTSTART:20240304T140000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY;COUNT=3;BYDAY=MO, WE"))
    assert [e.start.day for e in parse(data)] == [4, 6, 11]


def test_it_reads_a_str_as_calendar_text_never_as_a_file_name() -> None:
    assert parse(calendar(*event("DTSTART:20240301T140000Z")).decode())[0].start == utc(2024, 3, 1, 14)
    with pytest.raises(IcalError, match="not an iCalendar calendar"):
        parse("/etc/passwd")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "it is empty"),
        (b"hello, world\n", "it starts with 'hello, world', not BEGIN:VCALENDAR"),
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "This is a web page, not an iCalendar file"),
        (b"BEGIN:VEVENT\r\nEND:VEVENT\r\n", "it starts with 'BEGIN:VEVENT'"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n", "incomplete"),
        (b"BEGIN:VCALENDAR\r\nthis is not a content line\r\nEND:VCALENDAR\r\n", "could not be read"),
        (b"\x00\xff\xfe garbage", "not an iCalendar calendar"),
    ],
)
def test_it_refuses_what_is_not_a_calendar_with_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(IcalError, match=message):
        parse(data)


def test_it_names_the_calendar_and_the_event_it_cannot_read() -> None:
    data = calendar(
        *event("DTSTART:20240301T140000Z", "RRULE:FREQ=SOMETIMES", summary="Team meeting"),
        head=("X-WR-CALNAME:Dr. Patel",),
    )
    with pytest.raises(IcalError) as caught:
        parse(data)
    assert str(caught.value) == (
        "Calendar 'Dr. Patel': the event 'Team meeting' (UID e1@test) has an unreadable RRULE: 'FREQ=SOMETIMES'."
    )


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (("DTSTART;VALUE=TEXT:next tuesday",), "has an unreadable DTSTART: 'next tuesday'"),
        (("DTSTART;VALUE=DURATION:PT1H",), "DTSTART is not a date or date-time"),
        (("DTSTART:20240301T140000Z", "DURATION:20240302"), "DURATION is not a duration"),
        (("DTSTART:20240301T140000Z", "DTSTART:20240302T140000Z"), "has more than one DTSTART"),
        (("DTSTART:20240301T140000Z", "RRULE:FREQ=DAILY", "EXDATE:tomorrow"), "has an unreadable EXDATE"),
        (("DTSTART:20240301T140000Z", "RRULE:RSCALE=HEBREW;FREQ=YEARLY"), "repeats by the Hebrew calendar"),
    ],
)
def test_it_refuses_an_event_with_values_that_mean_no_time(lines: tuple[str, ...], message: str) -> None:
    with pytest.raises(IcalError, match=message):
        parse(calendar(*event(*lines)))


def test_it_refuses_a_calendar_over_10_mb() -> None:
    padding = "X-PADDING:" + "x" * 70
    data = calendar(*event("DTSTART:20240301T140000Z"), *[padding] * 150_000)
    with pytest.raises(IcalError, match="too large"):
        parse(data)


def test_it_refuses_more_than_50_000_occurrences_in_the_window() -> None:
    data = calendar(*event("DTSTART:20240301T000000Z", "DURATION:PT1S", "RRULE:FREQ=SECONDLY"))
    with pytest.raises(IcalError, match="more than 50,000 events"):
        parse(data)


def test_it_stops_walking_a_rule_that_repeats_too_often_before_the_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ical, "MAX_RULE_STEPS", 10_000)  # 2 000 000 takes seconds to reach
    data = calendar(*event("DTSTART:19900101T000000Z", "DURATION:PT1M", "RRULE:FREQ=MINUTELY", summary="Ping"))
    with pytest.raises(IcalError, match=r"repeats its events too often to be expanded.*the event 'Ping'"):
        parse(data)


def test_it_gives_up_on_a_calendar_that_takes_too_long(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ical, "MAX_SECONDS", 0.0)
    data = calendar(*event("DTSTART:20240301T140000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY;COUNT=5"))
    with pytest.raises(IcalError, match="takes too long to expand"):
        parse(data)


def test_it_does_not_search_forever_for_a_day_no_month_has() -> None:
    data = calendar(*event("DTSTART:20240301T140000Z", "DURATION:PT1H", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"))
    [only] = parse(data)  # dateutil alone would search up to the year 9999; the event is its DTSTART
    assert only.start == utc(2024, 3, 1, 14)


def test_it_refuses_naive_window_bounds() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_calendar(b"", start=datetime(2024, 1, 1), end=END, default_zone=NEW_YORK)  # noqa: DTZ001
