"""iCalendar in and out: calendars read into plain busy/available intervals, appointments written as a feed.

Plain data in, plain data out, like `slots.py`: no Django, no ORM, and no clock but the DTSTAMP a
caller may leave to `render_feed` and the time limit on expanding one calendar.

- `parse_calendar` expands every event occurrence in a window with `recurring-ical-events` (RRULE,
  RDATE, EXDATE, RECURRENCE-ID, VTIMEZONE, Google's X-WR-TIMEZONE) and returns UTC intervals.
- `fetch_calendar` downloads a secret calendar address through `frontdesk.lib.http` (public
  addresses only); `to_webcal_https` is the one check an address passes before it is stored.
- `render_feed` writes a provider's appointments as a subscribable feed; busy-only feeds carry no
  patient information at all.

Calendars come from outside (Google, Outlook, iCloud, uploaded files), so every failure is an
`IcalError` whose message tells staff what is wrong with which calendar, and the expansion is
bounded: a calendar can cost neither unbounded memory nor unbounded time.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from http.client import HTTPException, responses
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import x_wr_timezone
from dateutil.rrule import rrule as DateutilRule  # type: ignore[import-untyped, unused-ignore]
from recurring_ical_events.util import compare_greater, convert_to_datetime, is_pytz

from frontdesk.lib import http as lib_http

MAX_BYTES = 10 * 1024 * 1024
MAX_OCCURRENCES = 50_000
# dateutil walks every rule from its DTSTART, so the repetitions before the window cost time too: a
# MINUTELY rule started in 1990 is 20 million of them. The walk of one file is capped in steps and
# in time (a rule that never matches again, BYMONTH=2;BYMONTHDAY=30, is searched silently for ~5 s).
MAX_RULE_STEPS = 2_000_000
MAX_SECONDS = 30.0
FEED_TTL = timedelta(minutes=15)
PRODID = "-//frontdesk//EN"
REDIRECTS = 3

# Occurrences are looked up in a window padded on both sides, then cut exactly once they are in
# UTC: floating times and all-day dates are compared by the library before we give them a zone.
_PAD = timedelta(days=2)
_FEED_STATUSES = frozenset({"CONFIRMED", "TENTATIVE", "CANCELLED"})


class IcalError(Exception):
    """A calendar cannot be fetched or read. The message is for staff: what is wrong with which calendar."""


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One occurrence of an event, in UTC. `recurrence_id` identifies an occurrence of a recurring
    event (its original start, `YYYYMMDD` or `YYYYMMDDTHHMMSSZ`); it is None for a single event."""

    uid: str
    recurrence_id: str | None
    start: datetime
    end: datetime
    summary: str
    busy: bool
    all_day: bool


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One appointment or event to publish. `sequence` is its revision number (raise it on changes)."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    location: str = ""
    status: str = "CONFIRMED"
    url: str = ""
    sequence: int = 0


# --- reading ---------------------------------------------------------------------------------------


def parse_calendar(data: bytes | str, *, start: datetime, end: datetime, default_zone: ZoneInfo) -> list[CalendarEvent]:
    """Return every VEVENT occurrence overlapping [start, end), sorted by start.

    Times with a TZID or in UTC keep their zone; floating times and all-day dates are read in
    `default_zone` (all-day events last from local midnight to local midnight), except that a
    Google calendar's X-WR-TIMEZONE decides floating times and times in UTC, as Google means it.
    Transparent events come back with busy=False; cancelled events and occurrences are left out.

    Raises IcalError for data that is not an iCalendar calendar, larger than 10 MB, with an event
    that cannot be expanded (the message names it), or with more than 50 000 occurrences in the
    window. Raises ValueError if start or end is naive.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes")
    raw = data.encode("utf-8") if isinstance(data, str) else data  # bytes: icalendar reads a str as a path
    if len(raw) > MAX_BYTES:
        raise IcalError(f"The calendar is too large ({len(raw) // (1024 * 1024)} MB; the limit is 10 MB).")
    calendars = _read_calendars(raw)
    window = (start.astimezone(UTC), end.astimezone(UTC))
    events: list[CalendarEvent] = []
    budget = _Budget()
    for calendar in calendars:
        events.extend(_expand(calendar, window, default_zone, budget))
    events.sort(key=lambda e: (e.start, e.end, e.uid, e.recurrence_id or ""))
    return events


def _read_calendars(raw: bytes) -> list[icalendar.Calendar]:
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].upper()
    if not head.startswith(b"BEGIN:VCALENDAR"):
        if head.startswith((b"<!DOCTYPE", b"<HTML", b"<?XML", b"<")):
            raise IcalError(
                "This is a web page, not an iCalendar file. Use the calendar's iCal (.ics) address, "
                "not the address of the page that shows it."
            )
        first_line = raw.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0].strip()[:40]
        shown = (
            f" it starts with {first_line.decode('utf-8', 'replace')!r}, not" if first_line else " it is empty, without"
        )
        raise IcalError(f"This is not an iCalendar calendar:{shown} BEGIN:VCALENDAR.")
    try:
        components = icalendar.Calendar.from_ical(raw, multiple=True)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        # icalendar reports bad input as ValueError (InvalidCalendar is one); some malformed lines
        # (found by fuzzing) still reach it as TypeError or AttributeError from deeper down.
        raise IcalError(f"The calendar could not be read: {_short(exc)}") from None
    except OSError:  # zoneinfo reading a TZID such as "Europe", which is a folder of zones
        raise IcalError("The calendar could not be read: it names a time zone that does not exist.") from None
    calendars = [c for c in components if isinstance(c, icalendar.Calendar)]
    if not calendars:
        if b"END:VCALENDAR" not in raw.upper():
            raise IcalError("The calendar is incomplete: it ends before END:VCALENDAR (was the download cut short?).")
        raise IcalError("This is not an iCalendar file: it has no VCALENDAR.")
    return calendars


class _Budget:
    """Work shared by all calendars of one file: repetitions walked, occurrences kept, time spent."""

    def __init__(self) -> None:
        self.label = "The calendar"
        self.event = "an event"
        self.rule_steps = 0
        self.occurrences = 0
        self.looked_at = 0
        self.deadline = monotonic() + MAX_SECONDS

    def step(self) -> None:
        """Count one repetition walked; raise IcalError once the file has cost too much."""
        self.rule_steps += 1
        if self.rule_steps > MAX_RULE_STEPS:
            raise IcalError(
                f"{self.label} repeats its events too often to be expanded (more than {MAX_RULE_STEPS:,} "
                f"repetitions to walk; the last was of {self.event})."
            )
        self.check_time()

    def check_time(self) -> None:
        if monotonic() > self.deadline:
            raise IcalError(
                f"{self.label} takes too long to expand (over {MAX_SECONDS:g} seconds; stopped at {self.event})."
            )


def _expand(
    calendar: icalendar.Calendar, window: tuple[datetime, datetime], zone: ZoneInfo, budget: _Budget
) -> Iterator[CalendarEvent]:
    label = _calendar_label(calendar)
    scale = (_text(calendar, "CALSCALE") or "GREGORIAN").upper()
    if scale != "GREGORIAN":
        raise IcalError(f"{label} uses the {scale[:40]} calendar scale; only GREGORIAN is supported.")
    _use_own_timezones(calendar)
    calendar = _google_to_standard(calendar, label)
    query_start, query_end = window[0] - _PAD, window[1] + _PAD

    by_uid: dict[str, list[icalendar.cal.Component]] = defaultdict(list)
    for component in calendar.walk("VEVENT"):
        if "DTSTART" not in component:
            continue  # e.g. an iTIP reply or cancellation: it has no place in time
        _check_event(component, label)
        # Without a UID, keep the event apart from others, under a name that is stable between syncs.
        uid = _text(component, "UID") or _made_up_uid(component)
        component["UID"] = uid
        by_uid[uid].append(component)

    budget.label = label
    for uid, components in by_uid.items():
        budget.event = _event_label(components[0])
        try:
            series = _BoundedSeries([recurring_ical_events.EventAdapter(c) for c in components])
            if isinstance(series.recurrence, _BoundedSeries.RecurrenceRules):
                series.recurrence.budget = budget
            occurrences = list(_occurrences(series, query_start, query_end, budget))
        except recurring_ical_events.BadRuleStringFormat as exc:
            raise IcalError(
                f"{label}: {_event_label(components[0])} has an RRULE that cannot be used: {exc.rule[:80]!r}."
            ) from None
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
            # ValueError covers recurring_ical_events.InvalidCalendar, icalendar's broken properties
            # and dateutil's rule errors; TypeError a mix of dates with and without a zone.
            raise IcalError(f"{label}: {_event_label(components[0])} cannot be read: {_short(exc)}") from None
        for occurrence in occurrences:
            event = _to_event(occurrence, uid, zone)
            if event is not None and _overlaps(event, window):
                budget.occurrences += 1
                if budget.occurrences > MAX_OCCURRENCES:
                    raise IcalError(
                        f"{label} has more than {MAX_OCCURRENCES:,} events between {window[0]:%Y-%m-%d} "
                        f"and {window[1]:%Y-%m-%d}; it is too large to import."
                    )
                yield event


def _made_up_uid(component: icalendar.cal.Component) -> str:
    try:
        content = component.to_ical()
    except (ValueError, TypeError, AttributeError):  # a value icalendar read but cannot write back
        content = repr(sorted(component.items(), key=lambda item: item[0])).encode()
    return "no-uid-" + hashlib.sha256(content).hexdigest()[:24]


_SINGLE = ("DTSTART", "DTEND", "DURATION", "RECURRENCE-ID")
_KINDS: dict[str, tuple[type, ...]] = {
    "DTSTART": (date,),  # a datetime is a date, too
    "DTEND": (date,),
    "DURATION": (timedelta,),
    "RECURRENCE-ID": (date,),
    "RDATE": (date, tuple),  # tuple: a period
    "EXDATE": (date,),
}


def _check_event(component: icalendar.cal.Component, label: str) -> None:
    """Raise IcalError, naming the event, for what the library would fail on with an obscure message.

    RRULEs that are only broken by spaces (``BYDAY=MO, TU``, written by some Exchange versions) are
    repaired, an RSCALE=GREGORIAN marker that changes nothing is dropped, and so is a rule that can
    never match (the event then happens at its DTSTART only).
    """
    for name in _SINGLE:
        if isinstance(component.get(name), list):
            raise IcalError(f"{label}: {_event_label(component)} has more than one {name}; an event has one.")
    for name, kinds in _KINDS.items():
        for value in _values(component.get(name)):
            try:  # a broken value raises icalendar's BrokenCalendarProperty, a ValueError
                found = [value.dt] if name in _SINGLE else [d.dt for d in value.dts]
            except (AttributeError, ValueError):
                raise IcalError(
                    f"{label}: {_event_label(component)} has an unreadable {name}: {str(value)[:60]!r}."
                ) from None
            for item in found:
                if not isinstance(item, kinds):
                    kind = "a duration" if name == "DURATION" else "a date or date-time"
                    kind = "a time of day without a date" if isinstance(item, time) else f"not {kind}"
                    raise IcalError(f"{label}: in {_event_label(component)}, {name} is {kind}.")
    rules = []
    for rule in _values(component.get("RRULE")):
        if isinstance(rule, icalendar.vBroken):
            try:
                rule = icalendar.vRecur.from_ical("".join(str(rule).split()))
            except ValueError:
                raise IcalError(
                    f"{label}: {_event_label(component)} has an unreadable RRULE: {str(rule)[:80]!r}."
                ) from None
        scale = str((rule.get("RSCALE") or ["GREGORIAN"])[0]).upper()
        skip = str((rule.get("SKIP") or ["OMIT"])[0]).upper()
        if scale != "GREGORIAN" or skip != "OMIT":
            raise IcalError(
                f"{label}: {_event_label(component)} repeats by the {scale.title()} calendar "
                f"(RSCALE={scale}, SKIP={skip}); only plain Gregorian repetition is supported."
            )
        rule.pop("RSCALE", None)
        rule.pop("SKIP", None)
        if not _never_matches(rule):  # dateutil would search up to the year 9999 for it, seconds per rule
            rules.append(rule)
    if len(rules) > 1:
        component["RRULE"] = rules
    elif rules:
        component["RRULE"] = rules[0]
    else:
        component.pop("RRULE", None)  # the event happens at DTSTART only


_DAYS_IN_MONTH = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def _never_matches(rule: Any) -> bool:
    """Whether BYMONTHDAY asks for a day no month in BYMONTH has (FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30)."""
    try:
        days = [abs(int(d)) for d in rule.get("BYMONTHDAY") or []]
        months = [int(m) for m in rule.get("BYMONTH") or []] or list(_DAYS_IN_MONTH)
    except (TypeError, ValueError):
        return False
    return bool(days) and all(day > _DAYS_IN_MONTH.get(month, 31) for day in days for month in months)


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _occurrences(
    series: recurring_ical_events.Series, start: datetime, end: datetime, budget: _Budget
) -> Iterator[Any]:
    for occurrence in series.between(start, end):
        # The padded window may hold more than the exact one; still, stop a flood early.
        budget.looked_at += 1
        if budget.looked_at > 2 * MAX_OCCURRENCES:
            raise IcalError(f"{budget.label} has more than {MAX_OCCURRENCES:,} events around the dates asked for.")
        yield occurrence


class _BoundedSeries(recurring_ical_events.Series):
    """A series whose rules are walked one repetition at a time, within the file's budget.

    The library collects every start between two dates into a list (a SECONDLY rule is millions of
    them) and lets dateutil walk on past the window until the rule ends; here each start is counted
    and yielded as it comes, and each rule ends where the window ends.
    """

    class RecurrenceRules(recurring_ical_events.Series.RecurrenceRules):
        budget: _Budget | None = None

        def rrule_between(self, span_start: Any, span_stop: Any) -> Iterator[Any]:
            if self.budget is None or is_pytz(self.tzinfo):  # icalendar uses zoneinfo; keep pytz corrections
                yield from super().rrule_between(span_start, span_stop)
                return
            first = convert_to_datetime(span_start, self.tzinfo)
            last = convert_to_datetime(span_stop, self.tzinfo)
            for rule in self.rrules:
                walked = rule
                if isinstance(rule, DateutilRule):  # no cache: it would keep every start walked
                    # End the walk with the window (dateutil's COUNT and UNTIL do not mix).
                    walked = rule.replace(cache=False, **({} if rule._count else {"until": _earlier(rule, last)}))
                for occurrence_start in walked:  # from DTSTART, as dateutil's own between() walks
                    self.budget.step()
                    if occurrence_start > last:
                        break
                    # The library's UNTIL (a date, or in another zone) is the one RFC 5545 means.
                    if occurrence_start >= first and (
                        rule.until is None or not compare_greater(occurrence_start, rule.until)
                    ):
                        yield occurrence_start
                self.budget.check_time()


def _earlier(rule: DateutilRule, last: datetime) -> datetime:
    until = rule._until  # private in dateutil; replace() reads it the same way
    return until if until is not None and until < last else last


def _use_own_timezones(calendar: icalendar.Calendar) -> None:
    """Read times in a custom TZID with this file's own VTIMEZONE.

    icalendar keeps the first definition it ever saw of a TZID it does not know (Outlook writes
    "Customized Time Zone") for the whole process, so without this a second calendar using the same
    name would be read with the first one's offsets. Known zones (IANA, Windows names) are left alone.
    """
    definitions: dict[str, Any] = {_text(tz, "TZID").strip("/"): tz for tz in calendar.walk("VTIMEZONE")}
    if not definitions:
        return
    zones: dict[str, Any] = {}

    def own(tzid: str) -> Any:
        if tzid not in zones:
            try:
                zones[tzid] = definitions[tzid].to_tz(icalendar.timezone.tzp, lookup_tzid=False)
            except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
                zones[tzid] = None  # a broken definition: keep what icalendar made of it
        return zones[tzid]

    def swap(value: Any, zone: Any) -> Any:
        if isinstance(value, tuple):  # an RDATE period: (start, end or duration)
            return tuple(swap(v, zone) for v in value)
        if isinstance(value, datetime) and value.tzinfo is not None and not isinstance(value.tzinfo, ZoneInfo):
            return value.replace(tzinfo=zone)
        return value

    for event in calendar.walk("VEVENT"):
        for name in ("DTSTART", "DTEND", "RECURRENCE-ID", "RDATE", "EXDATE"):
            changed = False
            props = []
            for prop in _values(event.get(name)):
                tzid = str(getattr(prop, "params", {}).get("TZID", "")).strip("/")
                zone = own(tzid) if tzid in definitions else None
                new: Any
                if zone is not None and isinstance(prop, icalendar.vDDDTypes):
                    new = icalendar.vDDDTypes(swap(prop.dt, zone))
                elif zone is not None and isinstance(prop, icalendar.vDDDLists):
                    new = icalendar.vDDDLists([swap(d.dt, zone) for d in prop.dts])
                else:
                    props.append(prop)
                    continue
                new.params = prop.params
                props.append(new)
                changed = True
            if changed:
                event[name] = props if len(props) > 1 else props[0]


def _google_to_standard(calendar: icalendar.Calendar, label: str) -> icalendar.Calendar:
    """Apply Google's X-WR-TIMEZONE (recurring events in UTC that mean local time) the RFC 5545 way.

    An X-WR-TIMEZONE no zone database knows is ignored: the times then mean what RFC 5545 says.
    """
    name = _text(calendar, "X-WR-TIMEZONE").strip()
    if not name:
        return calendar
    try:
        zone = icalendar.timezone.tzp.timezone(name)  # IANA, Windows and "/vendor/Zone" names
    except (OSError, ValueError):  # "Europe" is a folder of zones; "../x" is refused by zoneinfo
        zone = None
    if zone is None:
        return calendar
    try:
        return x_wr_timezone.to_standard(calendar, timezone=zone)
    except (ValueError, TypeError, AttributeError) as exc:
        raise IcalError(f"{label}: its X-WR-TIMEZONE {name[:60]!r} could not be applied: {_short(exc)}") from None


def _to_event(occurrence: Any, uid: str, zone: ZoneInfo) -> CalendarEvent | None:
    component = occurrence.as_component(True)
    if _text(component, "STATUS").upper() == "CANCELLED":
        return None
    transparent = _text(component, "TRANSP").upper() == "TRANSPARENT" or (
        "TRANSP" not in component and _text(component, "X-MICROSOFT-CDO-BUSYSTATUS").upper() == "FREE"
    )
    recurring = bool(occurrence.recurrence_ids) or "RRULE" in component or "RDATE" in component
    recurrence_id = None
    if recurring:
        original = component["RECURRENCE-ID"].dt
        recurrence_id = (
            original.strftime("%Y%m%d")
            if not isinstance(original, datetime)
            else _as_utc(original, zone).strftime("%Y%m%dT%H%M%SZ")
        )
    return CalendarEvent(
        uid=uid,
        recurrence_id=recurrence_id,
        start=_as_utc(occurrence.start, zone),
        end=_as_utc(occurrence.end, zone),
        summary=_text(component, "SUMMARY"),
        busy=not transparent,
        all_day=not isinstance(occurrence.start, datetime),
    )


def _text(component: icalendar.cal.Component, name: str) -> str:
    """A text property's value; the first one if a broken file repeats it."""
    values = _values(component.get(name))
    return str(values[0]) if values else ""


def _as_utc(value: date | datetime, zone: ZoneInfo | Any) -> datetime:
    """A date is local midnight in `zone`; a naive (floating) time is read in `zone`."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0), tzinfo=zone)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _overlaps(event: CalendarEvent, window: tuple[datetime, datetime]) -> bool:
    if event.start == event.end:  # an instant (DTSTART only) counts where it happens
        return window[0] <= event.start < window[1]
    return event.start < window[1] and event.end > window[0]


def _calendar_label(calendar: icalendar.Calendar) -> str:
    name = (_text(calendar, "X-WR-CALNAME") or _text(calendar, "NAME")).strip()
    return f"Calendar {name[:80]!r}" if name else "The calendar"


def _event_label(component: icalendar.cal.Component) -> str:
    summary = _text(component, "SUMMARY").strip()
    uid = _text(component, "UID").strip()
    parts = [f"the event {summary[:80]!r}" if summary else "an event"]
    if uid and not uid.startswith("no-uid-"):
        parts.append(f"(UID {uid[:80]})")
    return " ".join(parts)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


# --- fetching --------------------------------------------------------------------------------------


def to_webcal_https(url: str) -> str:
    """Return the https:// form of a calendar address (webcal:// and webcals:// become https://).

    Raises IcalError for any other scheme, a missing host, or a user name/password in the address.
    The address is a secret (whoever has it reads the calendar): messages name the host only.
    """
    url = url.strip()
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"webcal", "webcals"}:
        scheme = "https"
    if scheme != "https":
        shown = f"{parts.scheme}://" if parts.scheme else "an address without https://"
        raise IcalError(f"Only https:// (or webcal://) calendar addresses are accepted, not {shown}.")
    if not parts.hostname:
        raise IcalError("The calendar address has no host name.")
    if parts.username or parts.password:
        raise IcalError(f"The calendar address for {parts.hostname} must not contain a user name or password.")
    return urllib.parse.urlunsplit(("https", parts.netloc, parts.path, parts.query, ""))


def fetch_calendar(url: str, *, timeout: float = 15) -> bytes:
    """GET a calendar address (https, or webcal turned into https) and return the body.

    Only public addresses are called (`frontdesk.lib.http`); up to three redirects are followed,
    each to https and checked the same way. Raises IcalError naming the host, never the address,
    for a refused address, a network error or timeout, a non-2xx answer or a body over 10 MB.
    """
    current = to_webcal_https(url)
    host = _host(current)
    for _ in range(REDIRECTS + 1):
        try:
            response = lib_http.request(
                "GET",
                current,
                headers={"Accept": "text/calendar, */*;q=0.5", "User-Agent": "frontdesk"},
                timeout=timeout,
            )
        except lib_http.BlockedAddress as exc:
            if str(exc).startswith("cannot resolve"):
                raise IcalError(f"The calendar at {host} could not be reached (no such host).") from None
            raise IcalError(f"The calendar at {host} cannot be fetched: it is not a public internet address.") from None
        except TimeoutError:
            raise IcalError(f"The calendar at {host} did not answer within {timeout:g} seconds.") from None
        except (OSError, ValueError, HTTPException) as exc:
            raise IcalError(f"The calendar at {host} could not be reached ({_network_reason(exc)}).") from None
        location = next((v for k, v in response.headers.items() if k.lower() == "location"), "")
        if response.status in {301, 302, 303, 307, 308} and location:
            target = urllib.parse.urljoin(current, location)
            if urllib.parse.urlsplit(target).scheme.lower() != "https":
                raise IcalError(f"The calendar at {host} redirects to an address that is not https://.")
            current, host = target, _host(target)
            continue
        if not 200 <= response.status < 300:
            reason = responses.get(response.status, "")
            raise IcalError(f"The calendar at {host} answered {response.status}{f' {reason}' if reason else ''}.")
        if len(response.content) > MAX_BYTES:
            raise IcalError(f"The calendar at {host} is too large (the limit is 10 MB).")
        return response.content
    raise IcalError(f"The calendar at {host} redirects too many times.")


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).hostname or "an unknown host"


def _network_reason(exc: BaseException) -> str:
    # str() of a urllib error can quote the request line; only the OS's description is safe to show.
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, TimeoutError):
        return "timed out"
    strerror = getattr(reason, "strerror", None)
    return str(strerror) if strerror else type(reason).__name__


# --- writing ---------------------------------------------------------------------------------------


def render_feed(items: Iterable[FeedItem], *, name: str, busy_only: bool, now: datetime | None = None) -> bytes:
    """Return an iCalendar feed (RFC 5545 with RFC 7986 refresh hints) with one VEVENT per item.

    Times are written in UTC. With busy_only, an event says "Busy" and nothing else: no summary,
    description, location or URL, CLASS:PRIVATE, and a UID derived from the item's so that not even
    an appointment id is shown. Cancelled items stay in the feed with STATUS:CANCELLED so calendars
    that already copied them remove them. `now` is the DTSTAMP (default: the current time).

    Raises ValueError for naive times or an unknown status.
    """
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("X-WR-CALNAME", name)
    calendar.add("NAME", name)
    calendar.add("REFRESH-INTERVAL", FEED_TTL, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(FEED_TTL))
    for item in items:
        calendar.add_component(_feed_event(item, busy_only=busy_only, stamp=stamp))
    return calendar.to_ical()


def _feed_event(item: FeedItem, *, busy_only: bool, stamp: datetime) -> icalendar.Event:
    if item.start.tzinfo is None or item.end.tzinfo is None:
        raise ValueError(f"feed item {item.uid!r} has a naive start or end")
    status = item.status.upper()
    if status not in _FEED_STATUSES:
        raise ValueError(f"feed item {item.uid!r} has an unknown status {item.status!r}")
    event = icalendar.Event()
    if busy_only:
        event.add("UID", hashlib.sha256(item.uid.encode()).hexdigest()[:32] + "@frontdesk")
    else:
        event.add("UID", item.uid)
    event.add("DTSTAMP", stamp)
    event.add("DTSTART", item.start.astimezone(UTC))
    event.add("DTEND", item.end.astimezone(UTC))
    event.add("SEQUENCE", item.sequence)
    event.add("STATUS", status)
    event.add("TRANSP", "OPAQUE")
    if busy_only:
        event.add("SUMMARY", "Busy")
        event.add("CLASS", "PRIVATE")
        return event
    event.add("SUMMARY", item.summary)
    if item.description:
        event.add("DESCRIPTION", item.description)
    if item.location:
        event.add("LOCATION", item.location)
    if item.url:
        event.add("URL", item.url)
    return event
