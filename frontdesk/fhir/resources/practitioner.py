"""Practitioner: read and search over Staff (reference §1.4). The id is the staff key.

By default a search returns active, schedulable staff only; `include-non-schedulable-practitioners=true`
(or the older spelling `include-non-scheduleable-practitioners`) adds the others.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from frontdesk.clinic.models import Staff
from frontdesk.fhir.resources import Json, ResourceType, SearchResult
from frontdesk.fhir.search import Page, SearchParam, parse_bool, split_or

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
DOCS = "https://docs.canvasmedical.com/api/practitioner/"


def serialize(staff: Staff) -> Json:
    """Return the Practitioner for a staff member (the linked user must be loaded or None)."""
    name: Json = {"use": "usual", "text": staff.full_name, "family": staff.last_name}
    given = [p for p in (staff.first_name, staff.middle_name) if p]
    if given:
        name["given"] = given
    if staff.prefix:
        name["prefix"] = [staff.prefix]
    if staff.suffix:
        name["suffix"] = [staff.suffix]
    resource: Json = {"resourceType": "Practitioner", "id": staff.id}
    if staff.npi_number:
        resource["identifier"] = [{"system": NPI_SYSTEM, "value": staff.npi_number}]
    resource["active"] = staff.active
    resource["name"] = [name]
    email = staff.user.email if staff.user is not None else None
    if email:
        resource["telecom"] = [{"system": "email", "value": email, "use": "work", "rank": 1}]
    return resource


def _staff() -> QuerySet[Staff]:
    return Staff.objects.select_related("user").order_by("last_name", "first_name", "dbid")


def read(resource_id: str) -> Json | None:
    staff = _staff().filter(id=resource_id).first()
    return serialize(staff) if staff is not None else None


def search(params: dict[str, list[str]], page: Page) -> SearchResult:
    staff = _staff()
    include_all = [
        parse_bool("include-non-schedulable-practitioners", v)
        for v in params.get("include-non-schedulable-practitioners", [])
    ]
    if not any(include_all):
        staff = staff.filter(is_schedulable=True)
    actives = [parse_bool("active", v) for v in params.get("active", ["true"])]
    for active in actives:
        staff = staff.filter(active=active)
    for ids in split_or(params.get("_id", [])):
        staff = staff.filter(id__in=ids)
    for names in split_or(params.get("name", [])):
        match = Q()
        for name in names:
            for column in ("first_name", "middle_name", "last_name", "prefix", "suffix", "nickname"):
                match |= Q(**{f"{column}__icontains": name})
        staff = staff.filter(match)
    for emails in split_or(params.get("email", [])):
        match = Q()
        for email in emails:
            match |= Q(user__email__iexact=email)
        staff = staff.filter(match)
    for npis in split_or(params.get("npi-number", [])):
        staff = staff.filter(npi_number__in=[n.rpartition("|")[2] for n in npis])
    total = staff.count()
    rows = list(staff[page.window()]) if total and page.count else []
    return SearchResult(total=total, resources=[serialize(s) for s in rows])


RESOURCE = ResourceType(
    name="Practitioner",
    interactions=("read", "search-type"),
    search_params=(
        SearchParam("_id", "token", "The practitioner's id (the staff key); commas give alternatives."),
        SearchParam(
            "include-non-schedulable-practitioners",
            "token",
            "true also returns staff who cannot be scheduled (default: schedulable staff only). "
            "The older spelling include-non-scheduleable-practitioners is accepted.",
            aliases=("include-non-scheduleable-practitioners",),
        ),
        SearchParam("active", "token", "true or false (default: active staff only)."),
        SearchParam("name", "string", "Part of the prefix, given, middle, family, suffix or nickname."),
        SearchParam("email", "token", "The practitioner's work email."),
        SearchParam("npi-number", "token", "The 10-digit NPI. npiNumber is accepted too.", aliases=("npiNumber",)),
    ),
    read=read,
    search=search,
)
