"""Location: read and search over PracticeLocation (reference §1.7). The id is the location's UUID."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from frontdesk.clinic.models import PracticeLocation
from frontdesk.fhir.resources import Json, ResourceType, SearchResult
from frontdesk.fhir.search import Page, SearchParam, page_of, split_or


def serialize(location: PracticeLocation) -> Json:
    resource: Json = {
        "resourceType": "Location",
        "id": str(location.id),
        "status": "active" if location.active else "inactive",
        "name": location.full_name,
    }
    if location.short_name:
        resource["alias"] = [location.short_name]
    if location.phone:
        resource["telecom"] = [{"system": "phone", "value": location.phone, "use": "work"}]
    address: Json = {}
    if location.address_line1:
        address["line"] = [location.address_line1]
    for key, value in (("city", location.city), ("state", location.state_code), ("postalCode", location.postal_code)):
        if value:
            address[key] = value
    if address:
        resource["address"] = {"use": "work", "type": "physical", **address, "country": "US"}
    return resource


def _uuids(values: list[str]) -> list[uuid.UUID]:
    """The values that are UUIDs: any other id matches nothing (and is no error)."""
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(value))
        except ValueError:
            continue
    return found


def _locations() -> QuerySet[PracticeLocation]:
    return PracticeLocation.objects.order_by("full_name", "dbid")


def read(resource_id: str) -> Json | None:
    ids = _uuids([resource_id])
    location = _locations().filter(id__in=ids).first() if ids else None
    return serialize(location) if location is not None else None


def search(params: dict[str, list[str]], page: Page) -> SearchResult:
    locations = _locations()
    for ids in split_or(params.get("_id", [])):
        locations = locations.filter(id__in=_uuids(ids))
    total, rows = page_of(locations, page)
    return SearchResult(total=total, resources=[serialize(loc) for loc in rows])


RESOURCE = ResourceType(
    name="Location",
    interactions=("read", "search-type"),
    search_params=(SearchParam("_id", "token", "The location's id (a UUID); commas give alternatives."),),
    read=read,
    search=search,
)
