"""Public, secret-address views of scheduling: a provider's calendar as iCalendar."""

from __future__ import annotations

from datetime import timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from frontdesk.scheduling.ical import FeedItem, render_feed
from frontdesk.scheduling.models import Appointment, AppointmentProgressStatus, CalendarExport

WINDOW_BACK = timedelta(days=30)
WINDOW_AHEAD = timedelta(days=365)


def provider_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A provider's appointments and other events, 30 days back to a year ahead. The address is
    the secret; a busy-only feed carries no patient information at all."""
    export = CalendarExport.objects.select_related("provider").filter(token=token).first()
    if export is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    appointments = (
        Appointment.objects.filter(
            provider=export.provider,
            start_time__gte=now - WINDOW_BACK,
            start_time__lt=now + WINDOW_AHEAD,
            entered_in_error__isnull=True,
        )
        .select_related("patient", "location", "note_type")
        .order_by("start_time")
    )
    items = [
        FeedItem(
            uid=f"{a.id}@frontdesk",
            start=a.start_time,
            end=a.end_time,
            summary=(
                f"{a.note_type or 'Appointment'}: {a.patient.full_name}"
                if a.patient
                else (a.description or str(a.note_type or "Event"))
            ),
            description=a.comment or "",
            location=a.location.full_name if a.location else "",
            status="CANCELLED" if a.status == AppointmentProgressStatus.CANCELLED else "CONFIRMED",
            url=a.meeting_link or "",
        )
        for a in appointments
    ]
    body = render_feed(
        items,
        name=f"{export.provider.full_name} ({'busy' if export.busy_only else 'appointments'})",
        busy_only=export.busy_only,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response
