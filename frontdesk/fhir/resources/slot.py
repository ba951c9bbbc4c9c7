"""Slot: search only, `schedule` required (reference §1.2, §2). Slots are computed by the
scheduling engine (`scheduling.search.open_slots`), with staff rules: no patient notice or horizon.

Canvas's defaults: `start` is today (UTC), `end` is start + 7 days and, given as a date, includes
that day; `duration` is 20 minutes; `appointment-type` (`system|code` or `code`) picks the note
type, else the default appointment type. Entries have no id and only `status: free`; times carry
the location's UTC offset.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from frontdesk.clinic.models import PracticeLocation, Staff
from frontdesk.fhir.resources import ResourceType, SearchResult
from frontdesk.fhir.search import Page, SearchError, SearchParam
from frontdesk.scheduling.models import NoteType
from frontdesk.scheduling.search import ProviderRef, open_slots

DEFAULT_DURATION = 20
DEFAULT_DAYS = 7
MAX_DAYS = 62  # a search is computed on the fly; keep one request bounded
_SCHEDULE = re.compile(r"(?:Schedule/)?Location\.(\d+)-Staff\.([0-9A-Za-z]+)")


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise SearchError(f"{name} may be given only once")
    return values[0] if values else None


def parse_instant(name: str, value: str, *, end_of_day: bool = False) -> datetime:
    """Return the UTC instant a date (its start, or the next day's start with `end_of_day`) or a
    date-time (naive means UTC) stands for. Raises SearchError."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day + timedelta(days=1 if end_of_day else 0), time(0), tzinfo=UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise SearchError(f"{name} must be a date (YYYY-MM-DD) or a date-time, not '{value}'") from None
    return moment.replace(tzinfo=UTC) if timezone.is_naive(moment) else moment.astimezone(UTC)


def note_type_for(name: str, value: str | None) -> NoteType:
    """Return the scheduleable note type a `system|code` or `code` token names (else the default
    appointment type). Raises SearchError."""
    types = NoteType.objects.scheduleable()
    if value is None:
        found = types.filter(is_default_appointment_type=True).order_by("rank", "dbid").first()
        if found is None:
            raise SearchError(f"{name} is required: no default appointment type is configured")
        return found
    system, sep, code = value.rpartition("|")
    matches = types.filter(code=code, system=system) if sep else types.filter(code=code)
    found = matches.order_by("rank", "dbid").first()
    if found is None and not sep:
        try:
            found = types.filter(unique_identifier=uuid.UUID(code)).first()
        except ValueError:  # not a UUID: no note type has it as its identifier
            found = None
    if found is None:
        raise SearchError(f"{name} '{value}' is not a scheduleable appointment type")
    return found


def _schedule(value: str) -> tuple[PracticeLocation, ProviderRef]:
    """Return the active location and schedulable provider a Schedule id names, read in one plain
    query (every Slot search runs it). Raises SearchError."""
    match = _SCHEDULE.fullmatch(value)
    found = None
    if match is not None:
        location, staff = PracticeLocation._meta, Staff._meta
        quote = connection.ops.quote_name
        key = quote(staff.get_field("id").column)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT l.id, l.time_zone, s.dbid, s.{key} FROM {quote(location.db_table)} l, {quote(staff.db_table)} s "  # noqa: S608 (only placeholders are interpolated)
                f"WHERE l.dbid = %s AND l.active AND s.{key} = %s AND s.active AND s.is_schedulable",
                [int(match[1]), match[2]],
            )
            found = cursor.fetchone()
    if found is None:
        raise SearchError(f"schedule '{value}' is not a Schedule id (Location.<id>-Staff.<id>) that exists")
    location_id, time_zone, staff_pk, staff_key = found
    place = PracticeLocation(dbid=int(match[1]), id=uuid.UUID(str(location_id)), time_zone=time_zone)  # type: ignore[index]
    return place, ProviderRef(staff_pk, staff_key)


def search(params: dict[str, list[str]], page: Page) -> SearchResult:
    schedule = _one(params, "schedule")
    if schedule is None:
        raise SearchError("schedule is required")
    location, staff = _schedule(schedule)
    start_text, end_text = _one(params, "start"), _one(params, "end")
    start = (
        parse_instant("start", start_text) if start_text else parse_instant("start", timezone.now().date().isoformat())
    )
    end = parse_instant("end", end_text, end_of_day=True) if end_text else start + timedelta(days=DEFAULT_DAYS)
    if end <= start:
        raise SearchError("end must be after start")
    if end - start > timedelta(days=MAX_DAYS):
        raise SearchError(f"start to end may span at most {MAX_DAYS} days")
    duration_text = _one(params, "duration")
    try:
        duration = int(duration_text) if duration_text is not None else DEFAULT_DURATION
    except ValueError:
        raise SearchError(f"duration must be a whole number of minutes, not '{duration_text}'") from None
    if not 0 < duration <= 1440:
        raise SearchError("duration must be between 1 and 1440 minutes")
    note_type = note_type_for("appointment-type", _one(params, "appointment-type"))
    found = open_slots(
        note_type=note_type,
        start=start,
        end=end,
        now=timezone.now(),
        providers=[staff],
        location=location,
        duration_minutes=duration,
        for_patient=False,
    )
    zone = ZoneInfo(location.time_zone)
    reference = {"reference": f"Schedule/Location.{location.dbid}-Staff.{staff.id}", "type": "Schedule"}
    resources = [
        {
            "resourceType": "Slot",
            "schedule": reference,
            "status": "free",
            "start": s.start.astimezone(zone).isoformat(),
            "end": s.end.astimezone(zone).isoformat(),
        }
        for s in found[page.window()]
    ]
    return SearchResult(total=len(found), resources=resources)


RESOURCE = ResourceType(
    name="Slot",
    interactions=("search-type",),
    search_params=(
        SearchParam("schedule", "reference", "Required. The Schedule id, Location.<id>-Staff.<id>."),
        SearchParam("start", "date", "Slots on or after this date or date-time (default: today, UTC)."),
        SearchParam("end", "string", "Slots up until this date (inclusive) or date-time (default: start + 7 days)."),
        SearchParam("duration", "number", "Slot length in minutes (default: 20)."),
        SearchParam(
            "appointment-type",
            "token",
            "system|code or code of a scheduleable appointment type (default: the default appointment type).",
        ),
    ),
    search=search,
)
