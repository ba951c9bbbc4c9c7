"""Publishing a provider's appointments as an iCalendar feed; a busy-only feed shows no patient data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from frontdesk.scheduling.ical import FeedItem, parse_calendar, render_feed

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2024, 2, 1, 12, tzinfo=UTC)
ALICE_VISIT = FeedItem(
    uid="0f5c7f9e-alice@frontdesk",
    start=datetime(2024, 3, 1, 9, tzinfo=NEW_YORK),
    end=datetime(2024, 3, 1, 9, 30, tzinfo=NEW_YORK),
    summary="Office Visit: Alice Smith",
    description="Knee pain, follow-up; bring X-rays",
    location="Harbor Clinic, 1 Main St",
    url="https://meet.example.com/alice-smith",
    sequence=2,
)
CHARLIE_CANCELLED = FeedItem(
    uid="7d1e-charlie@frontdesk",
    start=datetime(2024, 3, 1, 10, tzinfo=NEW_YORK),
    end=datetime(2024, 3, 1, 10, 30, tzinfo=NEW_YORK),
    summary="Telehealth: Charlie Jones",
    status="CANCELLED",
)


def feed(*, busy_only: bool, items: tuple[FeedItem, ...] = (ALICE_VISIT, CHARLIE_CANCELLED)) -> bytes:
    return render_feed(items, name="Dr. Maya Patel", busy_only=busy_only, now=NOW)


def test_it_writes_a_feed_that_reads_back_with_every_detail() -> None:
    calendar = icalendar.Calendar.from_ical(feed(busy_only=False))
    assert str(calendar["PRODID"]) == "-//frontdesk//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "Dr. Maya Patel"
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(minutes=15)
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT15M"  # an X- property reads back as text
    visit, cancelled = calendar.walk("VEVENT")
    assert str(visit["UID"]) == ALICE_VISIT.uid
    assert str(visit["SUMMARY"]) == "Office Visit: Alice Smith"
    assert str(visit["DESCRIPTION"]) == "Knee pain, follow-up; bring X-rays"  # commas and semicolons escaped
    assert str(visit["LOCATION"]) == "Harbor Clinic, 1 Main St"
    assert str(visit["URL"]) == "https://meet.example.com/alice-smith"
    assert visit["SEQUENCE"] == 2
    assert visit["DTSTAMP"].dt == NOW
    assert str(visit["STATUS"]) == "CONFIRMED"
    assert str(cancelled["STATUS"]) == "CANCELLED"


def test_it_writes_times_in_utc() -> None:
    data = feed(busy_only=False)
    assert b"DTSTART:20240301T140000Z\r\n" in data
    assert b"DTEND:20240301T143000Z\r\n" in data
    assert b"TZID" not in data
    visit = icalendar.Calendar.from_ical(data).walk("VEVENT")[0]
    assert visit["DTSTART"].dt == ALICE_VISIT.start
    assert visit["DTSTART"].dt.utcoffset() == timedelta(0)


def test_it_leaves_every_patient_detail_out_of_a_busy_only_feed() -> None:
    data = feed(busy_only=True)
    for secret in ("Alice", "Smith", "Charlie", "Jones", "Knee", "Harbor", "meet.example.com", "Office Visit", "alice"):
        assert secret.encode() not in data, secret
    for item in (ALICE_VISIT, CHARLIE_CANCELLED):
        assert item.uid.encode() not in data  # not even the appointment id
    visit, cancelled = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert str(visit["SUMMARY"]) == "Busy"
    assert str(visit["CLASS"]) == "PRIVATE"
    assert str(visit["TRANSP"]) == "OPAQUE"
    assert not {"DESCRIPTION", "LOCATION", "URL"} & set(visit)
    assert str(cancelled["STATUS"]) == "CANCELLED"  # calendars that copied the block remove it
    assert visit["UID"] != cancelled["UID"]
    assert feed(busy_only=True) == data  # stable UIDs: subscribers update events instead of duplicating them


def test_it_reads_its_own_feed_back_as_busy_times() -> None:
    events = parse_calendar(
        feed(busy_only=True),
        start=datetime(2024, 3, 1, tzinfo=UTC),
        end=datetime(2024, 3, 2, tzinfo=UTC),
        default_zone=NEW_YORK,
    )
    assert [(e.start, e.end, e.busy, e.summary) for e in events] == [
        (ALICE_VISIT.start, ALICE_VISIT.end, True, "Busy")
    ]  # the cancelled appointment is not busy time


def test_it_writes_an_empty_feed() -> None:
    calendar = icalendar.Calendar.from_ical(feed(busy_only=True, items=()))
    assert calendar.walk("VEVENT") == []


def test_it_refuses_naive_times_and_unknown_statuses() -> None:
    naive = FeedItem(uid="x", start=datetime(2024, 3, 1, 9), end=datetime(2024, 3, 1, 10), summary="x")  # noqa: DTZ001
    with pytest.raises(ValueError, match="naive"):
        feed(busy_only=False, items=(naive,))
    odd = FeedItem(uid="x", start=NOW, end=NOW, summary="x", status="MAYBE")
    with pytest.raises(ValueError, match="unknown status"):
        feed(busy_only=False, items=(odd,))
