"""Portal pages: landing, My Health, the account page (password, sessions, contact points,
connected apps) and appointments (list, cancel, book, reschedule).

Each view: `patient_view` gate, read through access functions, write through services, render.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from frontdesk.accounts import services as account_services
from frontdesk.accounts.access import live_settings, patient_view
from frontdesk.accounts.forms import ChangePasswordForm, VerificationCodeForm, apply_errors
from frontdesk.accounts.models import CanvasUser
from frontdesk.audit.services import Actor
from frontdesk.clinic import access as clinic_access
from frontdesk.clinic.models import Patient, PracticeLocation, Staff
from frontdesk.clinic.services import record_chart_view
from frontdesk.fhir import models as fhir_models
from frontdesk.fhir import services as fhir_services
from frontdesk.plugins import hooks
from frontdesk.portal.forms import PickSlotForm, SlotSearchForm
from frontdesk.scheduling import access as scheduling_access
from frontdesk.scheduling import search as slot_search
from frontdesk.scheduling import services as scheduling_services
from frontdesk.scheduling.models import Appointment, AppointmentProgressStatus, NoteType, ReasonForVisit
from frontdesk.scheduling.services import SlotUnavailable
from frontdesk.scheduling.slots import Slot


def _user(request: HttpRequest) -> CanvasUser:
    return cast(CanvasUser, request.user)  # patient_view guarantees a signed-in CanvasUser


@patient_view()
def home(request: HttpRequest) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    show_appointments = bool(live_settings(request)["PATIENT_APP_APPOINTMENTS"])
    answers = hooks.page_answers(request, patient, widgets=True)
    widgets = [w for w in answers.widgets or [] if w.component != "appointments" or show_appointments]
    wants_appointments = any(w.component == "appointments" for w in widgets)
    upcoming = (
        scheduling_access.upcoming_appointments(patient, now=timezone.now(), limit=5) if wants_appointments else []
    )
    context = {
        "patient": patient,
        "widgets": widgets,
        "upcoming": upcoming,
        "can_book": wants_appointments and answers.can_schedule_appointments and scheduling_access.can_book_online(),
        "care_team": clinic_access.care_team(patient),
    }
    return render(request, "portal/home.html", context)


@patient_view(section="PATIENT_APP_MY_HEALTH")
def health(request: HttpRequest) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    summary = clinic_access.chart_summary(patient)
    record_chart_view(actor=Actor.for_user(_user(request)), patient=patient, what="summary")
    return render(request, "portal/health.html", {"patient": patient, **summary})


def _account_page(
    request: HttpRequest, *, password_form: ChangePasswordForm | None = None, status: int = 200
) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    now = timezone.now()
    points = [
        {
            "point": cp,
            "pending": account_services.is_code_pending(cp, now),
            "verifiable": cp.system in ("email", "phone"),
        }
        for cp in clinic_access.contact_points(patient)
    ]
    context = {
        "patient": patient,
        "contact_points": points,
        "password_form": password_form or ChangePasswordForm(),
        "apps": fhir_models.connected_apps(patient, now=now),
    }
    return render(request, "portal/account.html", context, status=status)


@patient_view()
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


@patient_view()  # first: portal off → 404 and signed out → sign in, whatever the method
@require_POST
def change_password(request: HttpRequest) -> HttpResponse:
    form = ChangePasswordForm(request.POST)
    if form.is_valid():
        try:
            user = account_services.change_password(
                user=_user(request),
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            update_session_auth_hash(request, user)  # stay signed in here; other sessions end
            messages.success(request, "Your password is changed. Other devices are signed out.")
            return redirect("portal:account")
    return _account_page(request, password_form=form, status=400)


@patient_view()
@require_POST
def end_sessions(request: HttpRequest) -> HttpResponse:
    account_services.log_out_everywhere(actor=Actor.for_user(_user(request)), user=_user(request))
    messages.success(request, "You are signed out on every device.")
    return redirect("accounts:login")


@patient_view()
@require_POST
def revoke_app(request: HttpRequest, client_id: str) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    client = fhir_models.approved_client(patient, client_id)
    if client is None:
        raise Http404("No such app.")
    fhir_services.revoke_app_access(actor=Actor.for_user(_user(request)), patient=patient, client=client)
    messages.success(request, f"{client.name} can no longer reach your record.")
    return redirect("portal:account")


@patient_view()
@require_POST
def send_code(request: HttpRequest, contact_point_id: str) -> HttpResponse:
    point = clinic_access.contact_point(request.patient, contact_point_id)  # type: ignore[attr-defined]
    try:
        account_services.send_contact_verification(actor=Actor.for_user(_user(request)), contact_point=point)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("portal:account")
    messages.success(request, f"We sent a code to {point.value}.")
    return redirect("portal:verify", contact_point_id=point.id)


@patient_view()
def verify(request: HttpRequest, contact_point_id: str) -> HttpResponse:
    point = clinic_access.contact_point(request.patient, contact_point_id)  # type: ignore[attr-defined]
    form = VerificationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.verify_contact_point(
                actor=Actor.for_user(_user(request)),
                contact_point=point,
                code=form.cleaned_data["code"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{point.value} is verified.")
            return redirect("portal:account")
    return render(
        request,
        "portal/verify.html",
        {"point": point, "form": form},
        status=400 if form.errors else 200,
    )


# --- appointments -----------------------------------------------------------------------------------
#
# The list, cancel, book and reschedule pages (PATIENT_APP_APPOINTMENTS). Times are shown in the
# patient's zone; slots come from the scheduling search, pass through plugins (which may only
# remove), and a posted time is checked against a fresh search before it is booked.

APPOINTMENTS = "PATIENT_APP_APPOINTMENTS"
WEEK = timedelta(days=7)


def _zone(patient: Patient) -> ZoneInfo:
    return ZoneInfo(patient.time_zone)


def _when(moment: datetime, zone: ZoneInfo) -> str:
    """'Tuesday, March 4, 2025 at 9:30 AM EST' in the patient's zone."""
    local = moment.astimezone(zone)
    return f"{local:%A, %B} {local.day}, {local.year} at {_clock(local)} {local.tzname()}"


def _clock(local: datetime) -> str:
    return f"{local.hour % 12 or 12}:{local:%M %p}"


def _can_book(request: HttpRequest, patient: Patient) -> bool:
    """Self-scheduling is offered: a type is bookable online and no plugin turned it off."""
    return hooks.page_answers(request, patient).can_schedule_appointments and scheduling_access.can_book_online()


def _htmx_fragment(request: HttpRequest) -> bool:
    """An htmx swap (not a boosted page load, nor a history restore, which need the whole page)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


@dataclass(frozen=True)
class Card:
    appointment: Appointment
    can_join: bool
    can_cancel: bool
    can_reschedule: bool


def _card(
    appointment: Appointment, flags: hooks.CardFlags, *, now: datetime, join_before: int, can_schedule: bool
) -> Card:
    """The card's buttons: each only when the clinic's policy allows it and no plugin says no."""
    return Card(
        appointment=appointment,
        can_join=appointment.can_join(now, minutes_before=join_before) and flags.show_meeting_link is not False,
        can_cancel=appointment.is_cancelable(now) and flags.can_cancel is not False,
        can_reschedule=can_schedule and appointment.is_reschedulable(now) and flags.can_reschedule is not False,
    )


def _one_card(request: HttpRequest, appointment: Appointment) -> Card:
    patient = request.patient  # type: ignore[attr-defined]
    flags = hooks.appointment_cards([appointment])[str(appointment.id)]
    return _card(
        appointment,
        flags,
        now=timezone.now(),
        join_before=int(live_settings(request)["JOIN_MINUTES_BEFORE"]),
        can_schedule=hooks.page_answers(request, patient).can_schedule_appointments,
    )


@patient_view(section=APPOINTMENTS)
def appointments(request: HttpRequest) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    now = timezone.now()
    upcoming, past = scheduling_access.appointment_lists(patient, now=now)
    can_schedule = hooks.page_answers(request, patient).can_schedule_appointments
    flags = hooks.appointment_cards(upcoming)  # every card's three questions in one round trip
    join_before = int(live_settings(request)["JOIN_MINUTES_BEFORE"])
    cards = [_card(a, flags[str(a.id)], now=now, join_before=join_before, can_schedule=can_schedule) for a in upcoming]
    context = {
        "patient": patient,
        "zone": _zone(patient),
        "cards": cards,
        "past": past,
        "can_book": can_schedule and scheduling_access.can_book_online(),
    }
    return render(request, "portal/appointments/list.html", context)


@patient_view(section=APPOINTMENTS)
def cancel_appointment(request: HttpRequest, appointment_id: str) -> HttpResponse:
    appointment = scheduling_access.appointment(request.patient, appointment_id)  # type: ignore[attr-defined]
    card = _one_card(request, appointment)
    error = ""
    if not card.can_cancel:
        error = (
            "This appointment is already cancelled."
            if appointment.status == AppointmentProgressStatus.CANCELLED
            else "This appointment can no longer be cancelled online. Please call the clinic."
        )
    elif request.method == "POST":
        try:
            scheduling_services.cancel_appointment(
                actor=Actor.for_user(_user(request)), appointment=appointment, via_portal=True
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            zone = _zone(request.patient)  # type: ignore[attr-defined]
            messages.success(request, f"Your appointment on {_when(appointment.start_time, zone)} is cancelled.")
            return redirect("portal:appointments")
    context = {"card": card, "appointment": appointment, "error": error, "zone": _zone(request.patient)}  # type: ignore[attr-defined]
    status = 400 if error and request.method == "POST" else 200
    return render(request, "portal/appointments/cancel.html", context, status=status)


# --- the slot picker (booking and rescheduling) ---------------------------------------------------


@dataclass
class Search:
    """A resolved slot search: what to look for, where, with whom, and which week."""

    note_type: NoteType
    location: PracticeLocation | None
    providers: list[Staff]
    week: date
    duration: int
    reason: ReasonForVisit | None = None
    moving: Appointment | None = None  # a reschedule: its own time does not count as busy


@dataclass
class Picker:
    """Everything the picker page needs; built by `_booking_picker` or `_reschedule_picker`."""

    form: SlotSearchForm
    providers: dict[str, Staff]
    search: Search | None = None
    title: str = "Book an appointment"
    action: str = ""
    moving: Appointment | None = None
    pick_form: PickSlotForm | None = None
    notice: str = ""  # shown above the slots: the time just taken, and the like


def _options(patient: Patient, key: str, items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`items` as (id, title) after plugins filtered the list (they may only drop and reorder)."""
    kept = hooks.filter_form_options(patient, key, [{"id": i, "title": t} for i, t in items])
    return [(o["id"], o["title"]) for o in kept]


def _reason_choices(reasons: list[ReasonForVisit]) -> list[tuple[str, str]]:
    """One option per reason and allowed length ("<id>:<minutes>"), or "<id>" for the type's length."""
    choices = []
    for reason in reasons:
        if reason.durations:
            choices += [(f"{reason.id}:{m}", f"{reason.display} ({m} minutes)") for m in reason.durations]
        else:
            choices.append((str(reason.id), reason.display))
    return choices


def _week_bounds(week: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    return datetime.combine(week, time.min, tzinfo=zone), datetime.combine(week + WEEK, time.min, tzinfo=zone)


def _slots_by_provider(found: Iterable[Slot], zone: ZoneInfo) -> dict[str, dict[str, list[dict[str, str]]]]:
    """The plugin hook's shape: {staff id: {"YYYY-MM-DD" (patient's day): [{"start", "end"}]}}."""
    shaped: dict[str, dict[str, list[dict[str, str]]]] = {}
    for slot in found:
        start = slot.start.astimezone(zone)
        entry = {"start": start.isoformat(), "end": slot.end.astimezone(zone).isoformat()}
        shaped.setdefault(slot.provider, {}).setdefault(start.date().isoformat(), []).append(entry)
    return shaped


def _open_slots(patient: Patient, search: Search, *, start: datetime, end: datetime) -> list[Slot]:
    """Open slots starting in [start, end) for `search`, as left by plugins (which may only remove)."""
    if not search.providers:
        return []
    zone = _zone(patient)
    found = slot_search.open_slots(
        note_type=search.note_type,
        start=start,
        end=end,
        now=timezone.now(),
        providers=search.providers,
        location=search.location,
        duration_minutes=search.duration,
        ignore=search.moving,
    )
    by_key = {(s.provider, s.start.astimezone(zone).isoformat()): s for s in found}
    kept = hooks.filter_slots(patient, _slots_by_provider(found, zone))
    return [
        by_key[(provider, item["start"])]
        for provider, days in kept.items()
        for items in days.values()
        for item in items
        if (provider, item["start"]) in by_key
    ]


def _group(found: list[Slot], providers: dict[str, Staff], zone: ZoneInfo) -> list[dict[str, Any]]:
    """Slots grouped by provider (in the provider list's order), then by the patient's day."""
    by_provider: dict[str, dict[date, list[dict[str, Any]]]] = {}
    for slot in sorted(found, key=lambda s: s.start):
        local = slot.start.astimezone(zone)
        by_provider.setdefault(slot.provider, {}).setdefault(local.date(), []).append(
            {"value": f"{slot.provider}|{slot.start.astimezone(UTC).isoformat()}", "time": _clock(local)}
        )
    return [
        {
            "provider": provider,
            "days": [
                {"date": day, "label": f"{day:%A, %B} {day.day}", "slots": items}
                for day, items in by_provider[key].items()
            ],
        }
        for key, provider in providers.items()
        if key in by_provider
    ]


def _render_picker(request: HttpRequest, picker: Picker, *, status: int = 200) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    zone = _zone(patient)
    context: dict[str, Any] = {
        "patient": patient,
        "picker": picker,
        "form": picker.form,
        "zone": zone,
        "structured": "reason" in picker.form.fields,
        # After a swap or a refused pick, focus moves to the results (a first visit starts at the top).
        "focus_results": _htmx_fragment(request) or request.method == "POST",
    }
    search = picker.search
    if search is not None:
        start, end = _week_bounds(search.week, zone)
        today = timezone.now().astimezone(zone).date()
        # The search as submitted (without the week), for the week links and the pick form's hidden fields.
        kept = {name: picker.form.data.get(name) or "" for name in picker.form.fields if name != "date"}

        def week_url(day: date) -> str:
            query = QueryDict(mutable=True)
            query.update({**kept, "date": day.isoformat()})
            return f"{picker.action}?{query.urlencode()}"

        last_day = today + timedelta(days=search.note_type.horizon_days)
        last_of_week = search.week + WEEK - timedelta(days=1)
        context.update(
            groups=_group(_open_slots(patient, search, start=start, end=end), picker.providers, zone),
            week_label=f"{search.week:%A, %B} {search.week.day} to {last_of_week:%A, %B} {last_of_week.day}",
            previous_url=week_url(max(today, search.week - WEEK)) if search.week > today else "",
            next_url=week_url(search.week + WEEK) if search.week + WEEK <= last_day else "",
            pick_form=picker.pick_form or PickSlotForm(initial={"key": uuid.uuid4().hex}),
            hidden=[*kept.items(), ("date", search.week.isoformat())],
        )
    template = "portal/appointments/_picker.html" if _htmx_fragment(request) else "portal/appointments/book.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _resolve(
    picker: Picker,
    *,
    note_types: dict[str, NoteType],
    locations: dict[str, PracticeLocation],
    reasons: dict[str, ReasonForVisit],
    fixed: Appointment | None = None,
) -> Search | None:
    """Turn a valid search form into a Search, or add the form's errors and return None."""
    form = picker.form
    if not form.is_valid():
        return None
    data = form.cleaned_data
    note_type = fixed.note_type if fixed is not None else note_types[data["type"]]
    location = fixed.location if fixed is not None else locations[data["location"]]
    assert note_type is not None  # noqa: S101 (a reschedule needs a type: checked by the caller)
    duration = fixed.duration_minutes if fixed is not None else note_type.online_duration
    reason = None
    if "reason" in form.fields:
        reason_id, _, minutes = data["reason"].partition(":")
        reason = reasons[reason_id]
        allowed = list(reason.note_types.all())
        if allowed and note_type not in allowed:
            form.add_error("reason", f"“{reason.display}” cannot be booked as {note_type.name}. Choose another reason.")
        duration = int(minutes) if minutes else duration
    provider = picker.providers.get(data.get("provider") or "")
    at_location = [p for p in picker.providers.values() if scheduling_access.practises_at(p, location)]
    if provider is not None and provider not in at_location:
        form.add_error(
            "provider",
            f"{provider.credentialed_name} does not see patients at {location}. Choose another provider, "
            "or Any provider.",
        )
    if data["date"] > form.today + timedelta(days=note_type.horizon_days):
        form.add_error("date", f"{note_type.name} can be booked up to {note_type.horizon_days} days ahead.")
    if form.errors:
        return None
    return Search(
        note_type=note_type,
        location=location,
        providers=[provider] if provider is not None else at_location,
        week=data["date"],
        duration=duration,
        reason=reason,
        moving=fixed,
    )


def _form_data(request: HttpRequest, names: tuple[str, ...]) -> QueryDict | None:
    """The submitted search (POST for a pick, GET for a search), or None before any search."""
    data = request.POST if request.method == "POST" else request.GET
    return data if any(name in data for name in names) else None


def _booking_picker(request: HttpRequest) -> tuple[Picker, dict[str, Any]]:
    patient = request.patient  # type: ignore[attr-defined]
    today = timezone.now().astimezone(_zone(patient)).date()
    structured = bool(live_settings(request)["STRUCTURED_REASON_FOR_VISIT"])
    note_types = {str(nt.unique_identifier): nt for nt in scheduling_access.bookable_note_types()}
    locations = {str(loc.id): loc for loc in scheduling_access.bookable_locations()}
    everyone = {p.id: p for p in scheduling_access.bookable_providers()}
    reasons = {str(r.id): r for r in scheduling_access.reasons_for_visit()} if structured else {}
    lists = hooks.filter_form_lists(
        patient,
        {
            "appointment_types": [{"id": k, "title": nt.name} for k, nt in note_types.items()],
            "locations": [{"id": k, "title": loc.full_name} for k, loc in locations.items()],
            "providers": [{"id": k, "title": p.credentialed_name} for k, p in everyone.items()],
        },
    )
    choices = {
        form_key: [(o["id"], o["title"]) for o in lists[key]]
        for form_key, key in (("type", "appointment_types"), ("location", "locations"), ("provider", "providers"))
    }
    if structured:
        choices["reason"] = _reason_choices(list(reasons.values()))
    initial: dict[str, Any] = {"date": today}
    if patient.default_location_id and str(patient.default_location.id) in dict(choices["location"]):
        initial["location"] = str(patient.default_location.id)
    data = _form_data(request, ("type", "location", "provider", "date", "reason"))
    form = SlotSearchForm(data, choices=choices, today=today, initial=initial)
    picker = Picker(
        form=form,
        providers={k: everyone[k] for k, _ in choices["provider"]},
        action=reverse("portal:book_appointment"),
    )
    return picker, {"note_types": note_types, "locations": locations, "reasons": reasons}


def _reschedule_picker(request: HttpRequest, appointment: Appointment) -> tuple[Picker, dict[str, Any]]:
    patient = request.patient  # type: ignore[attr-defined]
    today = timezone.now().astimezone(_zone(patient)).date()
    locations = {str(loc.id): loc for loc in scheduling_access.bookable_locations()}
    here = [
        p for p in scheduling_access.bookable_providers() if scheduling_access.practises_at(p, appointment.location)
    ]
    choices = {"provider": _options(patient, "providers", [(p.id, p.credentialed_name) for p in here])}
    by_key = {p.id: p for p in here}
    # A visit is moved with the same provider unless the patient picks another.
    current = appointment.provider.id if appointment.provider_id and appointment.provider else ""
    default = {"provider": current if current in dict(choices["provider"]) else ""}
    data = _form_data(request, ("provider", "date")) or default
    picker = Picker(
        form=SlotSearchForm(data, choices=choices, today=today),
        providers={k: by_key[k] for k, _ in choices["provider"]},
        title="Reschedule your appointment",
        action=reverse("portal:reschedule_appointment", args=[appointment.id]),
        moving=appointment,
    )
    return picker, {"note_types": {}, "locations": locations, "reasons": {}}


def _slot_location(slot: Slot, search: Search, locations: dict[str, PracticeLocation]) -> PracticeLocation | None:
    if search.location is not None and str(search.location.id) == slot.location:
        return search.location
    return locations.get(slot.location)


def _still_open(patient: Patient, search: Search, provider: Staff, start: datetime) -> Slot | None:
    """The posted time, if a fresh search (and the plugins) still offer it; posted times are never trusted."""
    if provider not in search.providers:
        return None
    only = Search(
        note_type=search.note_type,
        location=search.location,
        providers=[provider],
        week=search.week,
        duration=search.duration,
        reason=search.reason,
        moving=search.moving,
    )
    found = _open_slots(patient, only, start=start, end=start + timedelta(minutes=1))
    return next((s for s in found if s.provider == provider.id and s.start == start), None)


def _taken(picker: Picker, message: str, note: str) -> None:
    """Show the page again with `message`, fresh slots and a new request key (the note is kept)."""
    picker.notice = message
    picker.pick_form = PickSlotForm(initial={"key": uuid.uuid4().hex, "note": note})


def _pick(
    request: HttpRequest,
    picker: Picker,
    maps: dict[str, Any],
    book: Callable[[Search, Staff, PracticeLocation | None, datetime, PickSlotForm], Appointment],
    replay: Callable[[str], Appointment | None],
) -> HttpResponse:
    """Book (or move to) the posted slot after checking it is still open; render the outcome.

    `replay(key)` finds what an earlier request with the same key made: a double click or a
    retry answers as the first request did, even when it lost a race with that first request.
    """
    patient = request.patient  # type: ignore[attr-defined]
    moved = picker.moving is not None
    picker.search = _resolve(picker, fixed=picker.moving, **maps)
    pick = PickSlotForm(request.POST)
    picker.pick_form = pick
    if picker.search is None:
        return _render_picker(request, picker, status=400)
    if not pick.is_valid():
        if pick.has_error("key"):
            _taken(picker, " ".join(str(e) for e in pick.errors["key"]), str(pick.data.get("note", "")))
        return _render_picker(request, picker, status=400)
    key = pick.cleaned_data["key"]
    provider_key, start = pick.cleaned_data["slot"]
    note = pick.cleaned_data["note"]
    provider = picker.providers.get(provider_key)
    slot = _still_open(patient, picker.search, provider, start) if provider is not None else None
    try:
        if provider is None or slot is None:
            raise SlotUnavailable()
        location = _slot_location(slot, picker.search, maps["locations"])
        appointment = book(picker.search, provider, location, start, pick)
    except (SlotUnavailable, ValidationError) as exc:
        if (earlier := replay(key)) is not None:
            return _booked(request, earlier, moved=moved)
        refused = isinstance(exc, ValidationError)  # bad input, as opposed to a time someone else has
        _taken(picker, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc), note)
        return _render_picker(request, picker, status=400 if refused else 409)
    return _booked(request, appointment, moved=moved)


def _booked(request: HttpRequest, appointment: Appointment, *, moved: bool) -> HttpResponse:
    when = _when(appointment.start_time, _zone(request.patient))  # type: ignore[attr-defined]
    with_whom = f" with {appointment.provider.credentialed_name}" if appointment.provider else ""
    if moved:
        messages.success(request, f"Your appointment is moved to {when}{with_whom}.")
    else:
        kind = appointment.note_type.name if appointment.note_type else "appointment"
        messages.success(request, f"Your {kind}{with_whom} is booked for {when}.")
    return redirect("portal:appointments")


@patient_view(section=APPOINTMENTS)
def book_appointment(request: HttpRequest) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    if not _can_book(request, patient):
        raise Http404("Online booking is not offered.")

    def replay(key: str) -> Appointment | None:
        return scheduling_access.appointment_by_key(patient, key)

    if request.method == "POST" and (earlier := replay(request.POST.get("key", ""))) is not None:
        return _booked(request, earlier, moved=False)  # the same request again: booked once
    picker, maps = _booking_picker(request)

    def book(search: Search, provider: Staff, location: PracticeLocation | None, start: datetime, pick: Any) -> Any:
        return scheduling_services.book_appointment(
            actor=Actor.for_user(_user(request)),
            patient=patient,
            provider=provider,
            location=location,
            note_type=search.note_type,
            start_time=start,
            duration_minutes=search.duration,
            reason_for_visit=search.reason,
            comment=pick.cleaned_data["note"] if search.reason is None else "",
            idempotency_key=pick.cleaned_data["key"],
        )

    if request.method == "POST":
        return _pick(request, picker, maps, book, replay)
    if picker.form.is_bound:
        picker.search = _resolve(picker, **maps)
    return _render_picker(request, picker, status=400 if picker.form.errors and not _htmx_fragment(request) else 200)


@patient_view(section=APPOINTMENTS)
def reschedule_appointment(request: HttpRequest, appointment_id: str) -> HttpResponse:
    patient = request.patient  # type: ignore[attr-defined]
    appointment = scheduling_access.appointment(patient, appointment_id)

    def replay(key: str) -> Appointment | None:
        earlier = scheduling_access.appointment_by_key(patient, key)
        return earlier if earlier is not None and earlier.appointment_rescheduled_from_id == appointment.pk else None

    # Before the checks below: once moved, the old appointment can no longer be rescheduled.
    if request.method == "POST" and (earlier := replay(request.POST.get("key", ""))) is not None:
        return _booked(request, earlier, moved=True)  # the same request again: moved once
    card = _one_card(request, appointment)
    if not card.can_reschedule or appointment.note_type is None:
        context = {"appointment": appointment, "zone": _zone(patient)}
        return render(
            request,
            "portal/appointments/not_reschedulable.html",
            context,
            status=400 if request.method == "POST" else 200,
        )
    picker, maps = _reschedule_picker(request, appointment)

    def move(search: Search, provider: Staff, location: PracticeLocation | None, start: datetime, pick: Any) -> Any:
        return scheduling_services.reschedule_appointment(
            actor=Actor.for_user(_user(request)),
            appointment=appointment,
            start_time=start,
            provider=provider,
            location=location,
            via_portal=True,
            idempotency_key=pick.cleaned_data["key"],
        )

    if request.method == "POST":
        return _pick(request, picker, maps, move, replay)
    picker.search = _resolve(picker, fixed=appointment, **maps)
    return _render_picker(request, picker, status=400 if picker.form.errors and not _htmx_fragment(request) else 200)
