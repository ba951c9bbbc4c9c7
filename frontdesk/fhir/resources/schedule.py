"""Schedule: search only (reference §1.1, §2). One schedule per active practice location and active
schedulable staff member, with Canvas's id `Location.<location dbid>-Staff.<staff key>`.
Slot search takes these ids."""

from __future__ import annotations

from django.utils.html import escape

from frontdesk.clinic.models import PracticeLocation, Staff
from frontdesk.fhir.resources import Json, ResourceType, SearchResult
from frontdesk.fhir.search import Page


def schedule_id(location: PracticeLocation, staff: Staff) -> str:
    return f"Location.{location.dbid}-Staff.{staff.id}"


def serialize(location: PracticeLocation, staff: Staff) -> Json:
    comment = f"Schedule for {staff.credentialed_name} at {location.full_name}"
    return {
        "resourceType": "Schedule",
        "id": schedule_id(location, staff),
        "text": {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{escape(comment)}</div>'},
        "actor": [{"reference": f"Practitioner/{staff.id}", "type": "Practitioner"}],
        "comment": comment,
    }


def search(params: dict[str, list[str]], page: Page) -> SearchResult:
    # Both lists are small (locations, bookable staff); the page is cut from their product in memory.
    locations = list(PracticeLocation.objects.filter(active=True).order_by("dbid"))
    staff = list(
        Staff.objects.filter(active=True, is_schedulable=True)
        .prefetch_related("roles")
        .order_by("last_name", "first_name", "dbid")
    )
    total = len(locations) * len(staff)
    pairs = [(loc, s) for loc in locations for s in staff][page.window()] if page.count else []
    return SearchResult(total=total, resources=[serialize(loc, s) for loc, s in pairs])


RESOURCE = ResourceType(name="Schedule", interactions=("search-type",), search=search)
