"""Appointment: create, read, update (cancel) and search (reference §1.3, §2). The id is the
appointment's UUID. Every write goes through `scheduling.services` (book, cancel).

Statuses map as Canvas's table does (booked ↔ confirmed, checked-in ↔ roomed, fulfilled ↔ exited...).
An update changes only the status, and only to `cancelled`; moving an appointment (Canvas moves it
in place) is not supported yet and is refused with a 422.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Patient, PracticeLocation, Staff
from frontdesk.fhir.resources import BusinessRule, Invalid, Json, ResourceType, SearchResult
from frontdesk.fhir.resources.slot import parse_instant
from frontdesk.fhir.search import Page, SearchError, SearchParam, reference_ids, split_or
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Appointment, AppointmentProgressStatus, NoteType

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

# Where a booking service's ValidationError fields live in the resource.
ELEMENTS = {
    "note_type": "Appointment.appointmentType",
    "patient": "Appointment.participant",
    "provider": "Appointment.participant",
    "location": "Appointment.supportingInformation",
    "duration_minutes": "Appointment.end",
    "start_time": "Appointment.start",
    "comment": "Appointment.reasonCode",
    "description": "Appointment.description",
}


def _instant(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat()


def serialize(appointment: Appointment) -> Json:
    """Return the Appointment (provider, patient, location and note type must be loaded)."""
    location = appointment.location
    zone = ZoneInfo(location.time_zone) if location is not None else ZoneInfo("UTC")
    status = "entered-in-error" if appointment.entered_in_error_id else TO_FHIR[S(appointment.status)]
    resource: Json = {"resourceType": "Appointment", "id": str(appointment.id), "status": status}
    note_type = appointment.note_type
    if note_type is not None and note_type.code:
        coding = {"system": note_type.system or "INTERNAL", "code": note_type.code}
        coding["display"] = note_type.display or note_type.name
        resource["appointmentType"] = {"coding": [coding]}
    if appointment.comment:
        resource["reasonCode"] = [{"text": appointment.comment}]
    if appointment.description:
        resource["description"] = appointment.description
    resource["start"] = _instant(appointment.start_time, zone)
    resource["end"] = _instant(appointment.end_time, zone)
    participants: list[Json] = []
    if appointment.provider is not None:
        participants.append(
            {
                "actor": {"reference": f"Practitioner/{appointment.provider.id}", "type": "Practitioner"},
                "status": "accepted",
            }
        )
    if appointment.patient is not None:
        participants.append(
            {"actor": {"reference": f"Patient/{appointment.patient.id}", "type": "Patient"}, "status": "accepted"}
        )
    # FHIR requires at least one participant; an event without a provider still has its appointment.
    resource["participant"] = participants or [{"status": "accepted", "type": [{"text": "unassigned"}]}]
    if location is not None:
        resource["supportingInformation"] = [{"reference": f"Location/{location.id}", "type": "Location"}]
    return resource


def _appointments() -> QuerySet[Appointment]:
    return Appointment.objects.select_related("provider", "patient", "location", "note_type").order_by(
        "start_time", "dbid"
    )


def _by_id(resource_id: str) -> Appointment | None:
    try:
        key = uuid.UUID(resource_id)
    except ValueError:
        return None
    return _appointments().filter(id=key).first()


def read(resource_id: str) -> Json | None:
    appointment = _by_id(resource_id)
    return serialize(appointment) if appointment is not None else None


# --- search ---------------------------------------------------------------------------------------

_PREFIXES = ("eq", "ne", "gt", "ge", "lt", "le")


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


def search(params: dict[str, list[str]], page: Page) -> SearchResult:
    appointments = _appointments()
    for ids in split_or(params.get("_id", [])):
        keys = []
        for value in ids:
            try:
                keys.append(uuid.UUID(value))
            except ValueError:
                continue  # an id that cannot exist matches nothing
        appointments = appointments.filter(id__in=keys)
    for values in split_or(params.get("patient", [])):
        appointments = appointments.filter(patient__id__in=reference_ids("patient", "Patient", values))
    for values in split_or(params.get("practitioner", [])):
        appointments = appointments.filter(provider__id__in=reference_ids("practitioner", "Practitioner", values))
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
    total = appointments.count()
    rows = list(appointments[page.window()]) if total and page.count else []
    return SearchResult(total=total, resources=[serialize(a) for a in rows])


# --- create and update ----------------------------------------------------------------------------


def _list(body: Json, name: str) -> list[Any]:
    value = body.get(name, [])
    if not isinstance(value, list):
        raise Invalid(f"Appointment.{name}", f"{name} must be a list.")
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


def _status(body: Json) -> str:
    status = body.get("status")
    if status not in TO_CANVAS:
        raise Invalid("Appointment.status", f"status must be one of {', '.join(TO_CANVAS)}.")
    return str(status)


def _participants(body: Json) -> tuple[Staff, Patient | None]:
    practitioners: list[str] = []
    patients: list[str] = []
    for index, entry in enumerate(_list(body, "participant")):
        element = f"Appointment.participant[{index}]"
        reference = entry.get("actor", {}).get("reference") if isinstance(entry, dict) else None
        if not isinstance(reference, str):
            raise Invalid(f"{element}.actor.reference", "Each participant needs actor.reference.")
        if not isinstance(entry.get("status"), str):
            raise Invalid(f"{element}.status", "Each participant needs a status (send accepted).")
        kind, _, key = reference.partition("/")
        if kind == "Practitioner":
            practitioners.append(key)
        elif kind == "Patient":
            patients.append(key)
        else:
            raise Invalid(f"{element}.actor.reference", f"'{reference}' is not a Practitioner or Patient reference.")
    if len(practitioners) != 1 or len(patients) > 1:
        raise Invalid("Appointment.participant", "Send one Practitioner and at most one Patient participant.")
    staff = Staff.objects.filter(id=practitioners[0]).first()
    if staff is None:
        raise Invalid("Appointment.participant", f"Unknown Practitioner '{practitioners[0]}'.")
    patient = None
    if patients:
        patient = Patient.objects.filter(id=patients[0]).first()
        if patient is None:
            raise Invalid("Appointment.participant", f"Unknown Patient '{patients[0]}'.")
    return staff, patient


def _location(body: Json) -> PracticeLocation:
    references = [
        info.get("reference", "")
        for info in _list(body, "supportingInformation")
        if isinstance(info, dict) and str(info.get("reference", "")).startswith("Location/")
    ]
    if len(references) != 1:
        raise Invalid("Appointment.supportingInformation", "Send one Location reference in supportingInformation.")
    key = references[0].partition("/")[2]
    location = None
    if key.isdigit():  # Canvas's own app sends the practice location's small id (reference §2)
        location = PracticeLocation.objects.filter(dbid=int(key)).first()
    else:
        try:
            location = PracticeLocation.objects.filter(id=uuid.UUID(key)).first()
        except ValueError:
            location = None
    if location is None:
        raise Invalid("Appointment.supportingInformation", f"Unknown Location '{key}'.")
    return location


def _note_type(body: Json) -> NoteType:
    if "appointmentType" not in body:
        found = NoteType.objects.filter(is_default_appointment_type=True).order_by("rank", "dbid").first()
        if found is None:
            raise Invalid("Appointment.appointmentType", "appointmentType is required: there is no default type.")
        return found
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
    if not found.is_active or not found.is_scheduleable:
        raise BusinessRule(f"Note type: {found.name} is not scheduleable", "Appointment.appointmentType")
    return found


def _text(body: Json, name: str, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"Appointment.{name}", f"{name} must be a non-empty string.")
    return value


def _comment(body: Json) -> str:
    reasons = _list(body, "reasonCode")
    if reasons:
        text = reasons[0].get("text") if isinstance(reasons[0], dict) else None
        if text is not None:
            return _text(body, "reasonCode[0].text", text)
    return _text(body, "comment", body.get("comment"))


def _check_type(body: Json) -> None:
    if body.get("resourceType", "Appointment") != "Appointment":
        raise Invalid("resourceType", "The body must be an Appointment.")


def _validation_error(exc: ValidationError) -> BusinessRule:
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        return BusinessRule(" ".join(errors[0].messages), ELEMENTS.get(field, "Appointment"))
    return BusinessRule(" ".join(exc.messages), "Appointment")


def create(body: Json, actor: Actor) -> Json:
    _check_type(body)
    status = _status(body)
    start, end = _time(body, "start"), _time(body, "end")
    if end <= start:
        raise Invalid("Appointment.end", "end must be after start.")
    minutes, remainder = divmod(end - start, timedelta(minutes=1))
    if remainder:
        raise Invalid("Appointment.end", "The duration must be whole minutes.")
    provider, patient = _participants(body)
    location = _location(body)
    note_type = _note_type(body)
    comment = _comment(body)
    description = _text(body, "description", body.get("description"))
    try:
        appointment = services.book_appointment(
            actor=actor,
            patient=patient,
            provider=provider,
            location=location,
            note_type=note_type,
            start_time=start,
            duration_minutes=minutes,
            comment=comment,
            description=description,
            status=TO_CANVAS[status],
        )
    except services.SlotUnavailable as exc:
        raise BusinessRule(str(exc), "Appointment.start") from None
    except ValidationError as exc:
        raise _validation_error(exc) from None
    found = _by_id(str(appointment.id))
    assert found is not None  # noqa: S101 - just written
    return serialize(found)


def update(resource_id: str, body: Json, actor: Actor) -> Json | None:
    appointment = _by_id(resource_id)
    if appointment is None:
        return None
    _check_type(body)
    if "id" in body and body["id"] != resource_id:
        raise Invalid("Appointment.id", "The body's id differs from the URL's.")
    status = _status(body)
    current = serialize(appointment)
    moved = any(name in body and _time(body, name) != _time(current, name) for name in ("start", "end"))
    if moved:
        raise BusinessRule("Moving an appointment through FHIR is not supported yet.", "Appointment.start")
    if status == current["status"]:
        return current
    if status != "cancelled":
        raise BusinessRule(
            f"Changing the status from {current['status']} to {status} through FHIR is not supported yet.",
            "Appointment.status",
        )
    try:
        services.cancel_appointment(actor=actor, appointment=appointment)
    except ValidationError as exc:
        raise _validation_error(exc) from None
    return read(resource_id)


RESOURCE = ResourceType(
    name="Appointment",
    interactions=("read", "search-type", "create", "update"),
    search_params=(
        SearchParam("_id", "token", "The appointment's id; commas give alternatives."),
        SearchParam("patient", "reference", "Patient/<id> (or the bare id)."),
        SearchParam("practitioner", "reference", "Practitioner/<id> (or the bare id)."),
        SearchParam("date", "date", "The start, with eq ne gt ge lt le prefixes; repeat for a range."),
        SearchParam(
            "status", "token", "proposed | pending | booked | arrived | checked-in | fulfilled | noshow | cancelled"
        ),
    ),
    read=read,
    search=search,
    create=create,
    update=update,
)
