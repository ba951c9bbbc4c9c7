"""Practitioner: create, read, update and search over Staff (reference §1.4). The id is the staff key.

By default a search returns active, schedulable staff only; `include-non-schedulable-practitioners=true`
(or the older spelling `include-non-scheduleable-practitioners`) adds the others.

`parse` and `save` are the one mapping from FHIR Practitioner JSON to Staff, used by the API's
create and update and by `frontdesk import-fhir`. The API applies Canvas's create rules (a usual
name with one given name, a work phone, one rank-1 email, a birth date); an import (`warn` given)
needs only a name. Canvas's extensions are read and written under
`http://schemas.canvasmedical.com/fhir/extensions/`: the meeting-room link, the primary practice
location and the roles; on update an omitted one is deleted (as are omitted telecom and address
entries). `practitioner-user-username` (the login's email) is read-only. The email cannot change on
update. Role changes do not move `meta.lastUpdated` (StaffRole has no timestamp).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet

from frontdesk.audit.services import Actor
from frontdesk.clinic import services
from frontdesk.clinic.models import (
    ContactPointState,
    PracticeLocation,
    Staff,
    StaffAddress,
    StaffContactPoint,
    StaffRole,
)
from frontdesk.fhir.resources import Invalid, Json, ResourceType, SearchResult, elements
from frontdesk.fhir.resources.elements import AddressIn, ContactPointIn, IdentifierIn, Warn, last_updated
from frontdesk.fhir.search import Page, SearchParam, page_of, parse_bool, split_or, uuids

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
DOCS = "https://docs.canvasmedical.com/api/practitioner/"
EXT = "http://schemas.canvasmedical.com/fhir/extensions/"
MEETING_ROOM = f"{EXT}practitioner-personal-meeting-room-link"
PRIMARY_LOCATION = f"{EXT}practitioner-primary-practice-location"
ROLES = f"{EXT}roles"
USERNAME = f"{EXT}practitioner-user-username"
ROLE_SYSTEM = "http://schemas.canvasmedical.com/fhir/roles"
# Role codes that make a staff member a clinician; the others are administrative.
CLINICAL_ROLES = frozenset({"MD", "DO", "NP", "PA", "RN", "LPN", "LVN", "CNM", "CRNA", "DC", "DDS", "OD", "PHARMD"})
ELEMENTS = {
    "first_name": "Practitioner.name",
    "middle_name": "Practitioner.name",
    "last_name": "Practitioner.name",
    "prefix": "Practitioner.name",
    "suffix": "Practitioner.name",
    "npi_number": "Practitioner.identifier",
    "identifier": "Practitioner.identifier",
    "birth_date": "Practitioner.birthDate",
    "personal_meeting_room_link": "Practitioner.extension",
    "value": "Practitioner.telecom",
}


@dataclass(frozen=True)
class PractitionerIn:
    """A Practitioner body in clinic terms: Staff fields, contact points, roles and identifiers.

    Read leniently (imports), an extension the body does not carry is left out of `fields` and
    `roles` is None: what the file does not say is left alone rather than deleted.
    """

    fields: dict[str, Any]
    telecom: list[ContactPointIn]
    roles: list[services.Role] | None
    identifiers: list[IdentifierIn]
    addresses: list[AddressIn]


def _name_fields(body: Json, *, lenient: bool) -> dict[str, Any]:
    names = elements.array(body.get("name"), "Practitioner.name")
    if not names:
        raise Invalid("Practitioner.name", "Practitioner.name is required.")
    name = elements.obj(names[0], "Practitioner.name[0]", required=True)
    assert name is not None  # noqa: S101
    if not lenient and name.get("use") != "usual":
        raise Invalid("Practitioner.name[0].use", "Practitioner.name[0].use must be 'usual'.")
    given = [
        elements.string(g, f"Practitioner.name[0].given[{n}]", required=True)
        for n, g in enumerate(elements.array(name.get("given"), "Practitioner.name[0].given"))
    ]
    if not given or (len(given) > 1 and not lenient):
        raise Invalid("Practitioner.name[0].given", "Practitioner.name[0].given must hold exactly one given name.")
    prefix = elements.array(name.get("prefix"), "Practitioner.name[0].prefix")
    suffix = elements.array(name.get("suffix"), "Practitioner.name[0].suffix")
    return {
        "first_name": given[0],
        "middle_name": " ".join(given[1:]),
        "last_name": elements.string(name.get("family"), "Practitioner.name[0].family", required=True),
        "prefix": elements.string(prefix[0], "Practitioner.name[0].prefix[0]", max_length=20) if prefix else "",
        "suffix": elements.string(suffix[0], "Practitioner.name[0].suffix[0]", max_length=20) if suffix else "",
    }


def _check_telecom(telecom: list[ContactPointIn]) -> None:
    """Canvas's rule for writes: at least one work phone and exactly one email, ranked 1."""
    if not any(p.system == "phone" and p.use == "work" for p in telecom):
        raise Invalid("Practitioner.telecom", "Practitioner.telecom needs a phone with use 'work'.")
    emails = [p for p in telecom if p.system == "email"]
    if len(emails) != 1 or emails[0].rank != 1:
        raise Invalid("Practitioner.telecom", "Practitioner.telecom needs exactly one email, with rank 1.")


def _roles(body: Json) -> list[services.Role]:
    roles: list[services.Role] = []
    for i, ext in enumerate(elements.array(body.get("extension"), "Practitioner.extension")):
        if not isinstance(ext, dict) or ext.get("url") != ROLES:
            continue
        where = f"Practitioner.extension[{i}]"
        for n, part in enumerate(elements.array(ext.get("extension"), f"{where}.extension")):
            if not isinstance(part, dict) or part.get("url") != "code":
                continue
            coding = elements.obj(part.get("valueCoding"), f"{where}.extension[{n}].valueCoding", required=True)
            assert coding is not None  # noqa: S101
            code = elements.string(
                coding.get("code"), f"{where}.extension[{n}].valueCoding.code", required=True, max_length=20
            )
            display = elements.string(
                coding.get("display"), f"{where}.extension[{n}].valueCoding.display", max_length=100
            )
            kind = StaffRole.RoleType.CLINICAL if code.upper() in CLINICAL_ROLES else StaffRole.RoleType.ADMINISTRATIVE
            roles.append((kind, code, display or code))
    return roles


def parse(body: Json, *, warn: Warn | None = None) -> PractitionerIn:
    """Read a FHIR Practitioner into clinic terms. Writes nothing.

    Raises Invalid naming the element. With `warn` (imports) only a name is required, and a bad
    telecom entry is reported and dropped.
    """
    if body.get("resourceType") != "Practitioner":
        raise Invalid("Practitioner.resourceType", "resourceType must be 'Practitioner'.")
    lenient = warn is not None
    fields = _name_fields(body, lenient=lenient)
    fields["birth_date"] = elements.day(body.get("birthDate"), "Practitioner.birthDate", required=not lenient)
    fields["active"] = elements.boolean(body.get("active"), "Practitioner.active", default=True)
    telecom = elements.telecom(body, "Practitioner", warn=warn)
    if not lenient:
        _check_telecom(telecom)
    npi = ""
    others = []
    for identifier in elements.identifiers(body, "Practitioner"):
        if identifier.system == NPI_SYSTEM and not npi:
            npi = identifier.value
        else:
            others.append(identifier)
    fields["npi_number"] = npi
    found = elements.extensions(body, "Practitioner")
    link = found.get(MEETING_ROOM)
    if link is not None or not lenient:
        fields["personal_meeting_room_link"] = (
            elements.string(link.get("valueUrl"), "Practitioner.extension.valueUrl", required=True) if link else None
        )
    location = found.get(PRIMARY_LOCATION)
    if location is not None or not lenient:
        fields["primary_practice_location"] = _location(location) if location else None
    roles = _roles(body) if ROLES in found or not lenient else None
    addresses = elements.addresses(body, "Practitioner", warn=warn)
    return PractitionerIn(fields=fields, telecom=telecom, roles=roles, identifiers=others, addresses=addresses)


def _location(ext: Json) -> PracticeLocation:
    element = "Practitioner.extension.valueReference"
    key = elements.reference_id(ext.get("valueReference"), element, "Location")
    location = PracticeLocation.objects.filter(id__in=uuids([key])).first()
    if location is None:
        raise Invalid(element, f"{element}: there is no Location '{key}'.")
    return location


def _invalid(exc: ValidationError) -> Invalid:
    if hasattr(exc, "error_dict"):
        name, errors = next(iter(exc.error_dict.items()))
        element = ELEMENTS.get(name, "Practitioner")
        return Invalid(element, f"{element}: {' '.join(m for e in errors for m in e.messages)}")
    return Invalid("Practitioner", "Practitioner: " + " ".join(exc.messages))


def current_email(staff: Staff) -> str:
    """The staff member's rank-1 email: their email contact point, else their login's."""
    emails = [p for p in staff.telecom.all() if p.system == "email" and p.state == ContactPointState.ACTIVE]
    if emails:
        return min(emails, key=lambda p: (p.rank, p.dbid)).value
    return (staff.user.email or "") if staff.user is not None else ""


def _sync_telecom(actor: Actor, staff: Staff, wanted: list[ContactPointIn], *, new: bool) -> bool:
    active = [] if new else list(staff.telecom.filter(state=ContactPointState.ACTIVE).order_by("dbid"))
    existing = {(p.system, p.value): p for p in reversed(active)}
    changed = False
    for point in wanted:
        current = existing.pop((point.system, point.value), None)
        use = point.use or (current.use if current else "work")
        if current is None:
            services.save_staff_contact_point(
                actor=actor,
                contact_point=StaffContactPoint(
                    staff=staff, system=point.system, value=point.value, use=use, rank=point.rank
                ),
                changed=["system", "value", "use", "rank"],
            )
        elif (current.use, current.rank) != (use, point.rank):
            current.use, current.rank = use, point.rank
            services.save_staff_contact_point(actor=actor, contact_point=current, changed=["use", "rank"])
        else:
            continue
        changed = True
    for stale in existing.values():
        services.delete_staff_contact_point(actor=actor, contact_point=stale)
        changed = True
    return changed


def _sync_addresses(actor: Actor, staff: Staff, wanted: list[AddressIn], *, new: bool) -> bool:
    active = [] if new else list(staff.addresses.filter(state=ContactPointState.ACTIVE).order_by("dbid"))
    return elements.sync_addresses(
        active,
        wanted,
        add=lambda fields: services.save_staff_address(
            actor=actor, address=StaffAddress(staff=staff, **fields), changed=sorted(fields)
        ),
        change=lambda address, diff: services.save_staff_address(actor=actor, address=address, changed=diff),
        delete=lambda address: services.delete_staff_address(actor=actor, address=address),
    )


@transaction.atomic
def save(
    data: PractitionerIn,
    *,
    actor: Actor,
    staff: Staff | None = None,
    extra: tuple[IdentifierIn, ...] = (),
    keep_email: bool = False,
) -> tuple[Staff, bool]:
    """Create (`staff` None) or update a staff member from `data`; return it and whether anything changed.

    Only what differs is written. With `keep_email` (API updates) a different email is refused.
    Raises Invalid naming the element; nothing is written then.
    """
    if staff is not None and keep_email:
        before = current_email(staff)
        after = next((p.value for p in data.telecom if p.system == "email"), "")
        if before and after != before:
            raise Invalid("Practitioner.telecom", "Practitioner.telecom: the email cannot be changed on update.")
    try:
        new = staff is None
        if staff is None:
            staff = services.save_staff(actor=actor, staff=Staff(**data.fields), changed=sorted(data.fields))
            changed = True
        else:
            diff = {k: v for k, v in data.fields.items() if getattr(staff, k) != v}
            for name, value in diff.items():
                setattr(staff, name, value)
            if diff:
                services.save_staff(actor=actor, staff=staff, changed=sorted(diff))
            changed = bool(diff)
        changed |= _sync_telecom(actor, staff, data.telecom, new=new)
        changed |= _sync_addresses(actor, staff, data.addresses, new=new)
        current_roles = [] if new else [(r.role_type, r.code, r.name) for r in staff.roles.all()]
        if data.roles is not None and sorted(current_roles) != sorted(set(data.roles)):
            services.set_staff_roles(actor=actor, staff=staff, roles=data.roles)
            changed = True
        identifiers = [(i.system, i.value, i.use, i.type_code) for i in (*data.identifiers, *extra)]
        changed |= services.set_external_identifiers(actor=actor, owner=staff, identifiers=identifiers)
    except ValidationError as exc:
        raise _invalid(exc) from None
    return staff, changed


def _telecom(staff: Staff) -> list[Json]:
    points = sorted(
        (p for p in staff.telecom.all() if p.state == ContactPointState.ACTIVE),
        key=lambda p: (p.system, p.rank, p.dbid),
    )
    entries: list[Json] = []
    for p in points:
        entry: Json = {"system": p.system, "value": p.value}
        if p.use in elements.TELECOM_USES:
            entry["use"] = p.use
        entry["rank"] = p.rank
        entries.append(entry)
    if not any(p.system == "email" for p in points) and staff.user is not None and staff.user.email:
        entries.append({"system": "email", "value": staff.user.email, "use": "work", "rank": 1})
    return entries


def _extensions(staff: Staff) -> list[Json]:
    found: list[Json] = []
    if staff.user is not None and staff.user.email:
        found.append({"url": USERNAME, "valueString": staff.user.email})
    if staff.personal_meeting_room_link:
        found.append({"url": MEETING_ROOM, "valueUrl": staff.personal_meeting_room_link})
    if staff.primary_practice_location is not None:
        reference = {"reference": f"Location/{staff.primary_practice_location.id}", "type": "Location"}
        found.append({"url": PRIMARY_LOCATION, "valueReference": reference})
    for role in staff.roles.all():
        coding = {"system": ROLE_SYSTEM, "code": role.code, "display": role.name}
        found.append({"url": ROLES, "extension": [{"url": "code", "valueCoding": coding}]})
    return found


def serialize(staff: Staff) -> Json:
    """Return the Practitioner for a staff member (loaded as `_staff()` does)."""
    name: Json = {"use": "usual", "text": staff.full_name, "family": staff.last_name}
    given = [p for p in (staff.first_name, staff.middle_name) if p]
    if given:
        name["given"] = given
    if staff.prefix:
        name["prefix"] = [staff.prefix]
    if staff.suffix:
        name["suffix"] = [staff.suffix]
    resource: Json = {
        "resourceType": "Practitioner",
        "id": staff.id,
        "meta": {"lastUpdated": last_updated(_changed_at(staff))},
    }
    extensions = _extensions(staff)
    if extensions:
        resource["extension"] = extensions
    if staff.npi_number:
        resource["identifier"] = [{"system": NPI_SYSTEM, "value": staff.npi_number}]
    resource["active"] = staff.active
    resource["name"] = [name]
    telecom = _telecom(staff)
    if telecom:
        resource["telecom"] = telecom
    addresses = [elements.address_json(a) for a in staff.addresses.all() if a.state == ContactPointState.ACTIVE]
    if addresses:
        resource["address"] = addresses
    if staff.birth_date is not None:
        resource["birthDate"] = staff.birth_date.isoformat()
    return resource


def _staff() -> QuerySet[Staff]:
    return (
        Staff.objects.select_related("user", "primary_practice_location")
        .prefetch_related(
            Prefetch("telecom", queryset=StaffContactPoint.objects.order_by("dbid")),
            Prefetch("addresses", queryset=StaffAddress.objects.order_by("dbid")),
            "roles",
        )
        .order_by("last_name", "first_name", "dbid")
    )


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
            match |= Q(telecom__system="email", telecom__state=ContactPointState.ACTIVE, telecom__value__iexact=email)
        staff = staff.filter(pk__in=Staff.objects.filter(match).values("pk"))
    for npis in split_or(params.get("npi-number", [])):
        staff = staff.filter(npi_number__in=[n.rpartition("|")[2] for n in npis])
    total, rows = page_of(staff, page)
    return SearchResult(total=total, resources=[serialize(s) for s in rows])


def create(body: Json, actor: Actor) -> Json:
    """Create a staff member from a FHIR Practitioner. Raises Invalid (nothing written)."""
    if "id" in body:
        raise Invalid("Practitioner.id", "Practitioner.id must not be sent on create: the server assigns it.")
    staff, _ = save(parse(body), actor=actor)
    found = read(staff.id)
    assert found is not None  # noqa: S101 - just written
    return found


def update(resource_id: str, body: Json, actor: Actor) -> Json | None:
    """Replace a staff member's data with a FHIR Practitioner; None when there is no such staff member.

    Omitted telecom entries and extensions (but the username) are deleted; the email cannot change.
    Raises Invalid (nothing written).
    """
    staff = _staff().filter(id=resource_id).first()
    if staff is None:
        return None
    if body.get("id", resource_id) != resource_id:
        raise Invalid(
            "Practitioner.id", f"Practitioner.id '{body.get('id')}' does not match the URL's '{resource_id}'."
        )
    save(parse(body), actor=actor, staff=staff, keep_email=True)
    return read(resource_id)


def last_modified(resource_id: str) -> datetime | None:
    """Return when the staff member, a contact point or an address last changed (`meta.lastUpdated`),
    locking the staff row until the transaction ends; None when there is no such staff member."""
    staff = Staff.objects.select_for_update().filter(id=resource_id).first()
    if staff is None:
        return None
    return _changed_at(staff)


def _changed_at(staff: Staff) -> datetime:
    """When the staff member, a contact point or an address (deleted ones too) last changed. Uses the
    prefetched rows when there are (reads and searches), else asks the database."""
    cache = getattr(staff, "_prefetched_objects_cache", {})
    times = [staff.modified]
    for name, model in (("telecom", StaffContactPoint), ("addresses", StaffAddress)):
        if name in cache:
            times += [row.modified for row in cache[name]]
        else:
            times += model._default_manager.filter(staff=staff).values_list("modified", flat=True)
    return max(times)


RESOURCE = ResourceType(
    name="Practitioner",
    interactions=("create", "read", "update", "search-type"),
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
    create=create,
    update=update,
    last_modified=last_modified,
)
