"""Appointment: create, read, update and search (reference §1.3, §2). The id is the appointment's
UUID. Every write goes through `scheduling.services` (book, update, cancel, check in, no-show,
status), so the API has the portal's and the back office's rules, events and audit trail.

Statuses map as Canvas's table does (booked ↔ confirmed, checked-in ↔ roomed, fulfilled ↔ exited...).
An update changes the appointment in place, as Canvas's does: omitted elements keep their stored
values, `identifier` replaces the stored identifiers (expired ones stay), and a move must find the
provider free. A cancelled appointment keeps its status.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Exists, F, OrderBy, OuterRef, Q, QuerySet, Subquery

from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Patient, PracticeLocation, Staff
from frontdesk.fhir.resources import BusinessRule, Invalid, Json, ResourceType, SearchResult
from frontdesk.fhir.resources.elements import last_updated
from frontdesk.fhir.resources.slot import parse_instant
from frontdesk.fhir.search import Page, SearchError, SearchParam, page_of, reference_ids, split_or, uuids
from frontdesk.scheduling import services
from frontdesk.scheduling.models import (
    IDENTIFIER_PERIOD_END,
    IDENTIFIER_PERIOD_START,
    IDENTIFIER_USES,
    Appointment,
    AppointmentExternalIdentifier,
    AppointmentProgressStatus,
    NoteType,
    ReasonForVisit,
)

S = AppointmentProgressStatus
TO_CANVAS = {
    "proposed": S.UNCONFIRMED,
    "pending": S.ATTEMPTED,
    "booked": S.CONFIRMED,
    "arrived": S.ARRIVED,
    "checked-in": S.ROOMED,
    "fulfilled": S.EXITED,
    "noshow": S.NOSHOWED,
    "cancelled": S.CANCELLED,
}
TO_FHIR = {canvas: fhir for fhir, canvas in TO_CANVAS.items()}
BEFORE_ARRIVAL = (S.UNCONFIRMED, S.ATTEMPTED, S.CONFIRMED)

# Canvas's contained telehealth Endpoint: the documented id, and the one its examples use.
ENDPOINT_ID = "appointment-meeting-endpoint-0"
ENDPOINT_IDS = (ENDPOINT_ID, "appointment-meeting-endpoint")
PREVIOUS = "Previously Rescheduled Appointment"
REPLACEMENT = "Rescheduled Replacement Appointment"
CANCELLED_STAYS = "A cancelled appointment cannot be moved to another status."

# Where a scheduling service's ValidationError fields live in the resource.
ELEMENTS = {
    "note_type": "Appointment.appointmentType",
    "patient": "Appointment.participant",
    "provider": "Appointment.participant",
    "location": "Appointment.supportingInformation",
    "duration_minutes": "Appointment.end",
    "start_time": "Appointment.start",
    "comment": "Appointment.reasonCode",
    "reason_for_visit": "Appointment.reasonCode",
    "description": "Appointment.description",
    "meeting_link": "Appointment.contained",
    "identifiers": "Appointment.identifier",
    "status": "Appointment.status",
}


# --- read -----------------------------------------------------------------------------------------


def _instant(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat()


def _identifier(identifier: AppointmentExternalIdentifier) -> Json:
    result: Json = {}
    if identifier.use:
        result["use"] = identifier.use
    if identifier.system:
        result["system"] = identifier.system
    result["value"] = identifier.value
    result["period"] = {"start": identifier.issued_date.isoformat(), "end": identifier.expiration_date.isoformat()}
    if identifier.assigner:
        result["assigner"] = {"display": identifier.assigner}
    return result


class Row(NamedTuple):
    """One appointment as a read or a search loads it: plain values (`values_list`, no model
    instances), in `_ROW`'s order; `search_total` is set by a search page, `identifiers` after."""

    dbid: int
    id: uuid.UUID
    modified: datetime
    status: str
    entered_in_error_id: int | None
    comment: str | None
    description: str | None
    start_time: datetime
    duration_minutes: int
    meeting_link: str | None
    provider_key: str | None
    patient_key: str | None
    location_key: uuid.UUID | None
    time_zone: str | None
    note_type_id: int | None
    note_type_name: str | None
    note_type_code: str | None
    note_type_system: str | None
    note_type_display: str | None
    reason_id: int | None
    reason_system: str | None
    reason_code: str | None
    reason_display: str | None
    previous_key: uuid.UUID | None
    replacement_key: uuid.UUID | None
    has_identifiers: bool
    search_total: int = 0
    identifiers: tuple[AppointmentExternalIdentifier, ...] = ()


_ROW = (
    "dbid", "id", "modified", "status", "entered_in_error_id", "comment", "description", "start_time",
    "duration_minutes", "meeting_link", "provider__id", "patient__id", "location__id", "location__time_zone",
    "note_type_id", "note_type__name", "note_type__code", "note_type__system", "note_type__display",
    "reason_for_visit_id", "reason_for_visit__system", "reason_for_visit__code", "reason_for_visit__display",
    "previous_key", "replacement_key", "has_identifiers",
)  # fmt: skip


def serialize(row: Row) -> Json:
    """Return the Appointment for a row loaded by `_load`."""
    zone = ZoneInfo(row.time_zone) if row.time_zone else ZoneInfo("UTC")
    status = "entered-in-error" if row.entered_in_error_id else TO_FHIR[S(row.status)]
    resource: Json = {
        "resourceType": "Appointment",
        "id": str(row.id),
        "meta": {"lastUpdated": last_updated(row.modified)},
    }
    if row.meeting_link:
        resource["contained"] = [
            {
                "resourceType": "Endpoint",
                "id": ENDPOINT_ID,
                "status": "active",
                "connectionType": {"code": "https"},
                "payloadType": [{"coding": [{"code": "video-call"}]}],
                "address": row.meeting_link,
            }
        ]
    if row.identifiers:
        resource["identifier"] = [_identifier(i) for i in row.identifiers]
    resource["status"] = status
    if row.note_type_id is not None and row.note_type_code:
        coding: Json = {"system": row.note_type_system or "INTERNAL", "code": row.note_type_code}
        coding["display"] = row.note_type_display or row.note_type_name
        resource["appointmentType"] = {"coding": [coding]}
    if row.reason_id is not None:
        structured: Json = {
            "coding": [{"system": row.reason_system, "code": row.reason_code, "display": row.reason_display}]
        }
        if row.comment:
            structured["text"] = row.comment
        resource["reasonCode"] = [structured]
    elif row.comment:
        resource["reasonCode"] = [{"text": row.comment}]
    if row.description:
        resource["description"] = row.description
    resource["start"] = _instant(row.start_time, zone)
    resource["end"] = _instant(row.start_time + timedelta(minutes=row.duration_minutes), zone)
    participants: list[Json] = []
    if row.provider_key is not None:
        participants.append(
            {"actor": {"reference": f"Practitioner/{row.provider_key}", "type": "Practitioner"}, "status": "accepted"}
        )
    if row.patient_key is not None:
        participants.append(
            {"actor": {"reference": f"Patient/{row.patient_key}", "type": "Patient"}, "status": "accepted"}
        )
    # FHIR requires at least one participant; an event without a provider still has its appointment.
    resource["participant"] = participants or [{"status": "accepted", "type": [{"text": "unassigned"}]}]
    supporting: list[Json] = []
    if row.location_key is not None:
        supporting.append({"reference": f"Location/{row.location_key}", "type": "Location"})
    if row.meeting_link:
        supporting.append({"reference": f"#{ENDPOINT_ID}", "type": "Endpoint"})
    if row.previous_key is not None:
        supporting.append({"reference": f"Appointment/{row.previous_key}", "type": "Appointment", "display": PREVIOUS})
    if row.replacement_key is not None:
        supporting.append(
            {"reference": f"Appointment/{row.replacement_key}", "type": "Appointment", "display": REPLACEMENT}
        )
    if supporting:
        resource["supportingInformation"] = supporting
    return resource


def _appointments() -> QuerySet[Appointment]:
    """Appointments with their related rows, for the writes (which need model instances)."""
    return Appointment.objects.select_related("provider", "patient", "location", "note_type", "reason_for_visit")


def _listed() -> QuerySet[Any]:
    """Appointments as `Row` values, for reads and searches: plain values in one query (Django
    compiling a select_related query over six tables was most of a read's time). Built once per
    process: resolving its 26 columns and 3 annotations cost as much as running it; every use
    filters a clone, never the shared base."""
    return _listed_base().all()


@cache
def _listed_base() -> QuerySet[Any]:
    # A reschedule cancels the old appointment, and a cancelled one cannot be rescheduled again,
    # so an appointment has at most one replacement (the latest wins should that ever change).
    replacement = Appointment.objects.filter(appointment_rescheduled_from=OuterRef("pk")).order_by("-dbid")
    return (
        Appointment.objects.annotate(
            previous_key=F("appointment_rescheduled_from__id"),
            replacement_key=Subquery(replacement.values("id")[:1]),
            has_identifiers=Exists(AppointmentExternalIdentifier.objects.filter(appointment=OuterRef("pk"))),
        )
        .values_list(*_ROW)
        .order_by("start_time", "dbid")
    )


def _load(listed: QuerySet[Any]) -> list[Row]:
    """Evaluate `listed` as Rows, with the identifiers of the rows that have any (most have none:
    then it is one query, not two)."""
    rows = [Row(*values) for values in listed]
    wanted = [row.dbid for row in rows if row.has_identifiers]
    if not wanted:
        return rows
    found: dict[int, list[AppointmentExternalIdentifier]] = defaultdict(list)
    for identifier in AppointmentExternalIdentifier.objects.filter(appointment_id__in=wanted):
        found[identifier.appointment_id].append(identifier)
    return [row._replace(identifiers=tuple(found[row.dbid])) if row.has_identifiers else row for row in rows]


def _key(resource_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(resource_id)
    except ValueError:
        return None


def _by_id(resource_id: str) -> Appointment | None:
    key = _key(resource_id)
    return _appointments().filter(id=key).first() if key is not None else None


def read(resource_id: str) -> Json | None:
    key = _key(resource_id)
    found = _load(_listed().filter(id=key)[:1]) if key is not None else []
    return serialize(found[0]) if found else None


def last_modified(resource_id: str) -> datetime | None:
    """Return when the appointment last changed, locking its row until the transaction ends (the
    caller's update runs in the same transaction), or None when there is none."""
    key = _key(resource_id)
    if key is None:
        return None
    return Appointment.objects.select_for_update().filter(id=key).values_list("modified", flat=True).first()


# --- search ---------------------------------------------------------------------------------------

_PREFIXES = ("eq", "ne", "gt", "ge", "lt", "le")
_SORTS = {
    "date": ("start_time",),
    "patient": ("patient__last_name", "patient__first_name", "patient__id"),
    "practitioner": ("provider__last_name", "provider__first_name", "provider__id"),
}


def _date_filter(value: str) -> Q:
    prefix = value[:2] if value[:2] in _PREFIXES and not value[:2].isdigit() else "eq"
    text = value[2:] if value[:2] == prefix else value
    low = parse_instant("date", text)
    high = parse_instant("date", text, end_of_day=True) if len(text) == 10 else low
    within = Q(start_time__gte=low, start_time__lt=high) if high > low else Q(start_time=low)
    return {
        "eq": within,
        "ne": ~within,
        "gt": Q(start_time__gte=high) if high > low else Q(start_time__gt=low),
        "ge": Q(start_time__gte=low),
        "lt": Q(start_time__lt=low),
        "le": Q(start_time__lt=high) if high > low else Q(start_time__lte=low),
    }[prefix]


def _type_filter(value: str) -> Q:
    system, sep, code = value.rpartition("|")
    match = Q(note_type__code=code)
    if sep and system == "INTERNAL":  # what `serialize` shows for a type without a system
        return match & Q(note_type__system__in=("", "INTERNAL"))
    return match & Q(note_type__system=system) if sep else match


def _identifier_filter(value: str) -> Q:
    system, sep, key = value.rpartition("|")
    match = Q(value=key)
    return match & Q(system=system) if sep else match


def _location_filter(values: list[str]) -> Q:
    keys = reference_ids("location", "Location", values)
    small = [int(k) for k in keys if k.isdigit()]  # Canvas's app sends the small id (reference §2)
    return Q(location__id__in=uuids(keys)) | Q(location__dbid__in=small)


def _ordering(values: list[str]) -> list[OrderBy]:
    if len(values) > 1:
        raise SearchError("_sort may be given only once (separate keys with commas)")
    order: list[OrderBy] = []
    for key in values[0].split(",") if values else []:
        name = key.strip().removeprefix("-")
        if name not in _SORTS:
            raise SearchError(f"_sort '{key}' is not one of {', '.join(_SORTS)} (with - for descending)")
        descending = key.strip().startswith("-")
        order += [
            F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True) for field in _SORTS[name]
        ]
    return [*order, F("start_time").asc(), F("dbid").asc()]


def search(params: dict[str, list[str]], page: Page) -> SearchResult:
    appointments = _listed()
    for ids in split_or(params.get("_id", [])):
        appointments = appointments.filter(id__in=uuids(ids))
    for values in split_or(params.get("patient", [])):
        appointments = appointments.filter(patient__id__in=reference_ids("patient", "Patient", values))
    for values in split_or(params.get("practitioner", [])):
        appointments = appointments.filter(provider__id__in=reference_ids("practitioner", "Practitioner", values))
    for values in split_or(params.get("location", [])):
        appointments = appointments.filter(_location_filter(values))
    for values in split_or(params.get("appointment-type", [])):
        match = Q()
        for value in values:
            match |= _type_filter(value)
        appointments = appointments.filter(match)
    for values in split_or(params.get("identifier", [])):
        match = Q()
        for value in values:
            match |= _identifier_filter(value)
        appointments = appointments.filter(
            dbid__in=AppointmentExternalIdentifier.objects.filter(match).values("appointment_id")
        )
    for value in params.get("date", []):
        appointments = appointments.filter(_date_filter(value))
    for values in split_or(params.get("status", [])):
        unknown = [v for v in values if v not in TO_CANVAS and v != "entered-in-error"]
        if unknown:
            raise SearchError(f"status '{unknown[0]}' is not one of {', '.join(TO_CANVAS)}, entered-in-error")
        match = Q(status__in=[TO_CANVAS[v] for v in values if v in TO_CANVAS], entered_in_error__isnull=True)
        if "entered-in-error" in values:
            match |= Q(entered_in_error__isnull=False)
        appointments = appointments.filter(match)
    appointments = appointments.order_by(*_ordering(params.get("_sort", [])))
    total, rows = page_of(appointments, page, _load)
    return SearchResult(total=total, resources=[serialize(a) for a in rows])


# --- parsing a body -------------------------------------------------------------------------------


def _list(body: Json, name: str) -> list[Any]:
    value = body.get(name, [])
    if not isinstance(value, list):
        raise Invalid(f"Appointment.{name}", f"{name} must be a list.")
    return value


def _object(value: Any, element: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Invalid(element, f"{element.removeprefix('Appointment.')} must be an object.")
    return value


def _string(value: Any, element: str) -> str:
    """Return a non-empty string (Canvas's v2 rejects empty strings). Raises Invalid."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid(element, f"{element.removeprefix('Appointment.')} must be a non-empty string.")
    return value


def _time(body: Json, name: str) -> datetime:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise Invalid(f"Appointment.{name}", f"{name} is required (an instant, YYYY-MM-DDTHH:MM with a time zone).")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"Appointment.{name}", f"{name} '{value}' is not an instant.") from None
    if len(value) < 16 or moment.tzinfo is None:
        raise Invalid(f"Appointment.{name}", f"{name} must include the time and a time zone.")
    return moment.astimezone(UTC)


def _minutes(start: datetime, end: datetime) -> int:
    if end <= start:
        raise Invalid("Appointment.end", "end must be after start.")
    minutes, remainder = divmod(end - start, timedelta(minutes=1))
    if remainder:
        raise Invalid("Appointment.end", "The duration must be whole minutes.")
    return int(minutes)


def _status(body: Json) -> str:
    status = body.get("status")
    if status not in TO_CANVAS:
        raise Invalid("Appointment.status", f"status must be one of {', '.join(TO_CANVAS)}.")
    return str(status)


def _participants(body: Json) -> tuple[Staff, Patient | None]:
    """Return the one Practitioner and the Patient, if one, that `participant` names. Raises Invalid."""
    practitioners: list[tuple[str, str]] = []
    patients: list[tuple[str, str]] = []
    for index, entry in enumerate(_list(body, "participant")):
        element = f"Appointment.participant[{index}]"
        actor = entry.get("actor") if isinstance(entry, dict) else None
        reference = actor.get("reference") if isinstance(actor, dict) else None
        if not isinstance(reference, str):
            raise Invalid(f"{element}.actor.reference", "Each participant needs actor.reference.")
        if not isinstance(entry.get("status"), str):
            raise Invalid(f"{element}.status", "Each participant needs a status (send accepted).")
        kind, _, key = reference.partition("/")
        if kind == "Practitioner":
            practitioners.append((f"{element}.actor.reference", key))
        elif kind == "Patient":
            patients.append((f"{element}.actor.reference", key))
        else:
            raise Invalid(f"{element}.actor.reference", f"'{reference}' is not a Practitioner or Patient reference.")
    if len(practitioners) != 1 or len(patients) > 1:
        raise Invalid("Appointment.participant", "Send one Practitioner and at most one Patient participant.")
    element, key = practitioners[0]
    staff = Staff.objects.filter(id=key).first()
    if staff is None:
        raise Invalid(element, f"Unknown Practitioner '{key}'.")
    patient = None
    if patients:
        element, key = patients[0]
        patient = Patient.objects.filter(id=key).first()
        if patient is None:
            raise Invalid(element, f"Unknown Patient '{key}'.")
    return staff, patient


@dataclass(frozen=True)
class Supporting:
    """What `supportingInformation` says: the Location, if one, and the `#id` of the meeting Endpoint."""

    location: PracticeLocation | None
    endpoint: str | None
    endpoint_element: str


def _supporting(body: Json) -> Supporting:
    """Raises Invalid. References to Appointments and Encounters are the read-only links a read
    returns (a client sends them back); they are ignored."""
    locations: list[tuple[str, str]] = []
    endpoint, endpoint_element = None, ""
    for index, info in enumerate(_list(body, "supportingInformation")):
        element = f"Appointment.supportingInformation[{index}].reference"
        reference = info.get("reference") if isinstance(info, dict) else None
        if not isinstance(reference, str) or not reference:
            raise Invalid(element, "Each supportingInformation entry needs a reference.")
        if reference.startswith("Location/"):
            locations.append((element, reference.partition("/")[2]))
        elif reference.startswith("#"):
            endpoint, endpoint_element = reference[1:], element
        elif reference.partition("/")[0] not in ("Appointment", "Encounter"):
            raise Invalid(element, f"'{reference}' is not a Location or a contained Endpoint reference.")
    if len(locations) > 1:
        raise Invalid("Appointment.supportingInformation", "Send one Location reference in supportingInformation.")
    location = None
    if locations:
        element, key = locations[0]
        if key.isdigit():  # Canvas's own app sends the practice location's small id (reference §2)
            location = PracticeLocation.objects.filter(dbid=int(key)).first()
        else:
            found = uuids([key])
            location = PracticeLocation.objects.filter(id=found[0]).first() if found else None
        if location is None:
            raise Invalid(element, f"Unknown Location '{key}'.")
    return Supporting(location=location, endpoint=endpoint, endpoint_element=endpoint_element)


def _endpoints(body: Json) -> dict[str, str]:
    """Return the contained Endpoints' addresses by id. Raises Invalid."""
    found: dict[str, str] = {}
    validate = URLValidator(schemes=["https", "http"])
    for index, entry in enumerate(_list(body, "contained")):
        element = f"Appointment.contained[{index}]"
        contained = _object(entry, element)
        if contained.get("resourceType") != "Endpoint":
            raise Invalid(f"{element}.resourceType", "Only a telehealth Endpoint may be contained.")
        key = contained.get("id")
        if key not in ENDPOINT_IDS:
            raise Invalid(f"{element}.id", f"The meeting Endpoint's id must be {ENDPOINT_ID}.")
        address = _string(contained.get("address"), f"{element}.address")
        try:
            validate(address)
        except ValidationError:
            raise Invalid(f"{element}.address", f"'{address}' is not an https or http URL.") from None
        if len(address) > Appointment._meta.get_field("meeting_link").max_length:  # type: ignore[operator]
            raise Invalid(f"{element}.address", "The meeting address is too long.")
        found[str(key)] = address
    return found


def _meeting_link(body: Json, supporting: Supporting) -> str | None:
    """Return the meeting address the body gives, or None. Raises Invalid."""
    endpoints = _endpoints(body)
    if supporting.endpoint is not None:
        if supporting.endpoint not in endpoints:
            raise Invalid(supporting.endpoint_element, f"No contained Endpoint has the id '{supporting.endpoint}'.")
        return endpoints[supporting.endpoint]
    # Tolerated: a contained meeting Endpoint that supportingInformation forgot to reference.
    return next(iter(endpoints.values()), None)


def _note_type_named(body: Json) -> NoteType:
    """Return the note type `appointmentType` names (scheduleable or not). Raises Invalid, BusinessRule."""
    codings = body["appointmentType"].get("coding") if isinstance(body["appointmentType"], dict) else None
    if not isinstance(codings, list) or len(codings) != 1 or not isinstance(codings[0], dict):
        raise Invalid("Appointment.appointmentType.coding", "appointmentType needs exactly one coding.")
    system, code = str(codings[0].get("system", "")), str(codings[0].get("code", ""))
    found = NoteType.objects.filter(code=code, system=system).order_by("rank", "dbid").first()
    if found is None and system == "INTERNAL":
        found = NoteType.objects.filter(code=code).order_by("rank", "dbid").first()
    if found is None:
        raise BusinessRule(
            f"Appointment Type does not exist with code: {code} and system: {system}", "Appointment.appointmentType"
        )
    return found


def _scheduleable(note_type: NoteType) -> NoteType:
    if not note_type.is_active or not note_type.is_scheduleable:
        raise BusinessRule(f"Note type: {note_type.name} is not scheduleable", "Appointment.appointmentType")
    return note_type


def _note_type(body: Json, *, patient: Patient | None) -> NoteType:
    if "appointmentType" in body:
        return _scheduleable(_note_type_named(body))
    if patient is None:
        raise Invalid("Appointment.appointmentType", "appointmentType is required for an event without a patient.")
    found = NoteType.objects.filter(is_default_appointment_type=True).order_by("rank", "dbid").first()
    if found is None:
        raise Invalid("Appointment.appointmentType", "appointmentType is required: there is no default type.")
    return found


def _reason(body: Json) -> tuple[ReasonForVisit | None, str | None]:
    """Return the structured reason `reasonCode[0].coding[0].code` names and the text
    (`reasonCode[0].text`), each None when not given. Raises Invalid and BusinessRule."""
    reasons = _list(body, "reasonCode")
    if not reasons:
        comment = body.get("comment")  # frontdesk's older spelling
        return None, _string(comment, "Appointment.comment") if comment is not None else None
    first = _object(reasons[0], "Appointment.reasonCode[0]")
    text = first.get("text")
    comment = _string(text, "Appointment.reasonCode[0].text") if text is not None else None
    codings = first.get("coding")
    if codings is None:
        return None, comment
    if not isinstance(codings, list) or not codings:
        raise Invalid("Appointment.reasonCode[0].coding", "reasonCode[0].coding must be a non-empty list.")
    coding = _object(codings[0], "Appointment.reasonCode[0].coding[0]")
    code = _string(coding.get("code"), "Appointment.reasonCode[0].coding[0].code")
    system = coding.get("system")
    matches = list(ReasonForVisit.objects.filter(code=code)[:10])
    if len(matches) > 1 and isinstance(system, str):
        matches = [m for m in matches if m.system == system]
    if len(matches) != 1:
        raise BusinessRule(
            f"structured reason for visit with code {code} does not exist", "Appointment.reasonCode[0].coding[0].code"
        )
    return matches[0], comment


def _date(value: Any, element: str) -> date:
    text = _string(value, element)
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise Invalid(element, f"'{text}' is not a date (YYYY-MM-DD) or a date-time.") from None


def _identifiers(body: Json) -> list[services.NewIdentifier]:
    """Return the identifiers `identifier` gives, with Canvas's period defaults. Raises Invalid."""
    found: list[services.NewIdentifier] = []
    for index, entry in enumerate(_list(body, "identifier")):
        element = f"Appointment.identifier[{index}]"
        identifier = _object(entry, element)
        use = identifier.get("use", "")
        if use and use not in IDENTIFIER_USES:
            raise Invalid(f"{element}.use", f"use must be one of {', '.join(IDENTIFIER_USES)}.")
        system = identifier.get("system")
        period = _object(identifier.get("period", {}), f"{element}.period")
        start = _date(period["start"], f"{element}.period.start") if "start" in period else IDENTIFIER_PERIOD_START
        end = _date(period["end"], f"{element}.period.end") if "end" in period else IDENTIFIER_PERIOD_END
        if end < start:
            raise Invalid(f"{element}.period.end", "The period ends before it starts.")
        assigner = _object(identifier.get("assigner", {}), f"{element}.assigner").get("display")
        new = services.NewIdentifier(
            value=_string(identifier.get("value"), f"{element}.value")[:255],
            system=_string(system, f"{element}.system")[:255] if system is not None else "",
            use=str(use),
            issued_date=start,
            expiration_date=end,
            assigner=_string(assigner, f"{element}.assigner.display")[:200] if assigner is not None else "",
        )
        if any((new.system, new.value) == (f.system, f.value) for f in found):
            raise Invalid(f"{element}.value", "This identifier (system and value) is given twice.")
        found.append(new)
    return found


def _description(body: Json) -> str | None:
    value = body.get("description")
    return _string(value, "Appointment.description") if value is not None else None


def _check_type(body: Json) -> None:
    # Canvas's mobile app sends its cancelling PUT without resourceType (reference §1.3).
    if body.get("resourceType", "Appointment") != "Appointment":
        raise Invalid("resourceType", "The body must be an Appointment.")


def _validation_error(exc: ValidationError, element: str = "Appointment") -> BusinessRule:
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        return BusinessRule(" ".join(errors[0].messages), ELEMENTS.get(field, element))
    return BusinessRule(" ".join(exc.messages), element)


# --- create and update ----------------------------------------------------------------------------


def create(body: Json, actor: Actor) -> Json:
    _check_type(body)
    status = _status(body)
    start = _time(body, "start")
    minutes = _minutes(start, _time(body, "end"))
    provider, patient = _participants(body)
    supporting = _supporting(body)
    if supporting.location is None:
        raise Invalid("Appointment.supportingInformation", "Send one Location reference in supportingInformation.")
    meeting_link = _meeting_link(body, supporting)
    identifiers = _identifiers(body)
    description = _description(body)
    note_type = _note_type(body, patient=patient)
    reason, comment = _reason(body)
    try:
        appointment = services.book_appointment(
            actor=actor,
            patient=patient,
            provider=provider,
            location=supporting.location,
            note_type=note_type,
            start_time=start,
            duration_minutes=minutes,
            reason_for_visit=reason,
            comment=comment or "",
            description=description or "",
            status=TO_CANVAS[status],
            meeting_link=meeting_link,
            identifiers=identifiers,
        )
    except services.SlotUnavailable as exc:
        raise BusinessRule(str(exc), "Appointment.start") from None
    except ValidationError as exc:
        raise _validation_error(exc) from None
    found = read(str(appointment.id))
    assert found is not None  # noqa: S101 - just written
    return found


@dataclass(frozen=True)
class _Changes:
    """The fields an update body sets; None keeps the stored value."""

    start_time: datetime | None = None
    duration_minutes: int | None = None
    provider: Staff | None = None
    location: PracticeLocation | None = None
    note_type: NoteType | None = None
    reason_for_visit: ReasonForVisit | None = None
    comment: str | None = None
    description: str | None = None
    meeting_link: str | None = None
    identifiers: list[services.NewIdentifier] | None = None


def _changes(body: Json, appointment: Appointment) -> _Changes:
    """Parse an update body against the stored appointment. Raises Invalid and BusinessRule."""
    start_time = duration = None
    if "start" in body or "end" in body:
        start = _time(body, "start") if "start" in body else appointment.start_time
        # Only start sent: the appointment moves and keeps its length.
        end = _time(body, "end") if "end" in body else start + timedelta(minutes=appointment.duration_minutes)
        duration = _minutes(start, end)
        start_time = start
    provider = None
    if "participant" in body:
        provider, patient = _participants(body)
        if patient is not None and patient != appointment.patient:
            raise BusinessRule("The patient of an appointment cannot be changed.", "Appointment.participant")
    supporting = _supporting(body)
    # Without `contained`, a `#` reference is the one a read returned (Canvas's app sends it back).
    meeting_link = _meeting_link(body, supporting) if "contained" in body else None
    note_type = None
    if "appointmentType" in body:
        note_type = _note_type_named(body)
        if note_type != appointment.note_type:
            _scheduleable(note_type)
    elif appointment.patient is None:
        # Canvas: an update of an "other event" (no patient) must send its appointmentType.
        raise Invalid("Appointment.appointmentType", "appointmentType is required for an event without a patient.")
    reason, comment = _reason(body)
    return _Changes(
        start_time=start_time,
        duration_minutes=duration,
        provider=provider,
        location=supporting.location,
        note_type=note_type,
        reason_for_visit=reason,
        comment=comment,
        description=_description(body),
        meeting_link=meeting_link,
        identifiers=_identifiers(body) if "identifier" in body else None,
    )


def _change_status(actor: Actor, appointment: Appointment, target: S) -> None:
    """Move to `target` through the service that owns the transition (the status is not cancelled)."""
    current = S(appointment.status)
    if target == current:
        return
    if current == S.CANCELLED:
        raise BusinessRule(CANCELLED_STAYS, "Appointment.status")
    if target == S.NOSHOWED:
        services.mark_no_show(actor=actor, appointment=appointment)
    elif target in (S.ARRIVED, S.ROOMED) and current in BEFORE_ARRIVAL:
        services.check_in(actor=actor, appointment=appointment)  # arrived, and APPOINTMENT_CHECKED_IN
        if target != S.ARRIVED:
            services.set_appointment_status(actor=actor, appointment=appointment, status=target)
    else:
        services.set_appointment_status(actor=actor, appointment=appointment, status=target)


def update(resource_id: str, body: Json, actor: Actor) -> Json | None:
    """Change the appointment in place; None when there is none. Raises Invalid and BusinessRule,
    and then nothing is written."""
    _check_type(body)
    if "id" in body and body["id"] != resource_id:
        raise Invalid("Appointment.id", "The body's id differs from the URL's.")
    with transaction.atomic():
        # Lock the row first: what the checks below read is what the writes change.
        if last_modified(resource_id) is None:
            return None
        appointment = _by_id(resource_id)
        assert appointment is not None  # noqa: S101 - locked above
        if appointment.entered_in_error_id is not None:
            raise BusinessRule("An appointment entered in error cannot be updated.", "Appointment.status")
        target = TO_CANVAS[_status(body)]
        changes = _changes(body, appointment)
        current = S(appointment.status)
        if current == S.CANCELLED and target != S.CANCELLED:
            raise BusinessRule(CANCELLED_STAYS, "Appointment.status")
        try:
            if target == S.CANCELLED and current != S.CANCELLED:
                # First: a cancelled appointment holds no time, so moving it along cannot collide.
                services.cancel_appointment(actor=actor, appointment=appointment)
            services.update_appointment(actor=actor, appointment=appointment, **vars(changes))
            if target != S.CANCELLED:
                _change_status(actor, appointment, target)
        except services.SlotUnavailable as exc:
            raise BusinessRule(str(exc), "Appointment.start") from None
        except ValidationError as exc:
            raise _validation_error(exc, "Appointment.status") from None
    return read(resource_id)


RESOURCE = ResourceType(
    name="Appointment",
    interactions=("read", "search-type", "create", "update"),
    search_params=(
        SearchParam("_id", "token", "The appointment's id; commas give alternatives."),
        SearchParam("patient", "reference", "Patient/<id> (or the bare id)."),
        SearchParam("practitioner", "reference", "Practitioner/<id> (or the bare id)."),
        SearchParam("location", "reference", "Location/<id> (or the bare id)."),
        SearchParam("appointment-type", "token", "The appointment type: code or system|code."),
        SearchParam("identifier", "token", "An identifier another system gave: value or system|value."),
        SearchParam("date", "date", "The start, with eq ne gt ge lt le prefixes; repeat for a range."),
        SearchParam(
            "status", "token", "proposed | pending | booked | arrived | checked-in | fulfilled | noshow | cancelled"
        ),
        SearchParam(
            "_sort", "string", "date, patient or practitioner, - for descending; commas for several (default: date)."
        ),
    ),
    read=read,
    search=search,
    create=create,
    update=update,
    last_modified=last_modified,
)
