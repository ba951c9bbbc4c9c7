"""Patient: create, read, update and search (reference §1.7). The id is the patient key; the MRN is
the identifier with system `http://canvasmedical.com` (as Canvas's); other identifiers are kept as
external identifiers. Telecom and address list the active ones only.

`parse` and `save` are the one mapping from FHIR Patient JSON to clinic data: the API's create and
update and `frontdesk import-fhir` both use them, so both validate alike and both write through
the clinic services (events, audit). On update, an omitted `telecom` or `address` deletes them
(Canvas's rule); identifiers are only ever added.

Every patient a read or search returns is audited as a chart view ("fhir Patient").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from frontdesk.audit.services import Actor
from frontdesk.clinic import services
from frontdesk.clinic.models import (
    CareTeamMembership,
    CareTeamMembershipStatus,
    ContactPointState,
    ContactPointSystem,
    Patient,
    PatientAddress,
    PatientContactPoint,
    PatientExternalIdentifier,
    Sex,
)
from frontdesk.clinic.services import normalize_contact_value
from frontdesk.fhir.resources import Invalid, Json, ResourceType, SearchResult, elements
from frontdesk.fhir.resources.elements import AddressIn, ContactPointIn, IdentifierIn, Warn, last_updated
from frontdesk.fhir.search import Page, SearchError, SearchParam, page_of, parse_bool, reference_ids, split_or

MRN_SYSTEM = "http://canvasmedical.com"
CARE_TEAM_MEMBER = "_has:CareTeam:participant:member"  # Canvas's reverse chain: patients by care team member
BIRTH_SEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
GENDER = {Sex.FEMALE: "female", Sex.MALE: "male", Sex.OTHER: "other", Sex.UNKNOWN: "unknown"}
BIRTH_SEX_CODE = {Sex.FEMALE: "F", Sex.MALE: "M", Sex.OTHER: "OTH", Sex.UNKNOWN: "UNK"}
# ContactPoint.use in R4 (home | work | temp | old | mobile); other uses are left out.
FHIR_USES = frozenset({"home", "work", "temp", "old", "mobile"})
_PREFIXES = ("eq", "ne", "gt", "ge", "lt", "le")


BIRTH_SEX_FROM_CODE = {"M": Sex.MALE, "F": Sex.FEMALE, "OTH": Sex.OTHER, "UNK": Sex.UNKNOWN, "ASKU": Sex.UNKNOWN}
SEX_FROM_GENDER = {fhir: sex for sex, fhir in GENDER.items()}
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
# Which element a model field's ValidationError is about.
ELEMENTS = {
    "first_name": "Patient.name",
    "middle_name": "Patient.name",
    "last_name": "Patient.name",
    "prefix": "Patient.name",
    "suffix": "Patient.name",
    "nickname": "Patient.name",
    "birth_date": "Patient.birthDate",
    "sex_at_birth": "Patient.extension",
    "mrn": "Patient.identifier",
    "identifier": "Patient.identifier",
    "value": "Patient.telecom",
}


@dataclass(frozen=True)
class PatientIn:
    """A Patient body read into clinic terms: Patient fields, and the lists that go in their own tables."""

    fields: dict[str, Any]
    mrn: str  # "" when the body carries no http://canvasmedical.com identifier
    telecom: list[ContactPointIn]
    addresses: list[AddressIn]
    identifiers: list[IdentifierIn]


def _official_name(body: Json, *, lenient: bool) -> tuple[Json, int]:
    names = elements.array(body.get("name"), "Patient.name")
    for i, name in enumerate(names):
        if isinstance(name, dict) and name.get("use") == "official":
            return name, i
    if lenient:  # imports: the first usual or unlabelled name will do
        for i, name in enumerate(names):
            if isinstance(name, dict) and name.get("use") in (None, "usual"):
                return name, i
    raise Invalid("Patient.name", "Patient.name needs a name with use 'official', a family and a given name.")


def _name_fields(body: Json, *, lenient: bool) -> dict[str, Any]:
    name, i = _official_name(body, lenient=lenient)
    where = f"Patient.name[{i}]"
    given = [
        elements.string(g, f"{where}.given[{n}]", required=True)
        for n, g in enumerate(elements.array(name.get("given"), f"{where}.given"))
    ]
    if not given:
        raise Invalid(f"{where}.given", f"{where}.given (the first name) is required.")
    prefix = elements.array(name.get("prefix"), f"{where}.prefix")
    suffix = elements.array(name.get("suffix"), f"{where}.suffix")
    fields = {
        "first_name": given[0],
        "middle_name": " ".join(given[1:]),
        "last_name": elements.string(name.get("family"), f"{where}.family", required=True),
        "prefix": elements.string(prefix[0], f"{where}.prefix[0]") if prefix else "",
        "suffix": elements.string(suffix[0], f"{where}.suffix[0]") if suffix else "",
        "nickname": "",
    }
    for n, other in enumerate(elements.array(body.get("name"), "Patient.name")):
        if isinstance(other, dict) and other.get("use") == "nickname":
            nick = elements.array(other.get("given"), f"Patient.name[{n}].given")
            fields["nickname"] = elements.string(nick[0], f"Patient.name[{n}].given[0]") if nick else ""
            break
    return fields


def _sex_at_birth(body: Json, gender: str, *, warn: Warn | None) -> str:
    ext = elements.extensions(body, "Patient").get(BIRTH_SEX)
    if ext is None:
        problem = Invalid(
            "Patient.extension", f"Patient.extension: the {BIRTH_SEX} extension (M|F|OTH|UNK|ASKU) is required."
        )
        if warn is None:
            raise problem
        warn(problem)
        return SEX_FROM_GENDER[gender]
    value = elements.code(
        ext.get("valueCode"), "Patient.extension.valueCode", tuple(BIRTH_SEX_FROM_CODE), required=True
    )
    return BIRTH_SEX_FROM_CODE[value]


def parse(body: Json, *, warn: Warn | None = None) -> PatientIn:
    """Read a FHIR Patient into clinic terms. Writes nothing.

    Raises Invalid naming the element. With `warn` (imports), problems in a telecom or address
    entry are reported and the entry dropped, a missing birth-sex extension falls back to gender,
    and a usual name stands in for a missing official one.
    """
    if body.get("resourceType") != "Patient":
        raise Invalid("Patient.resourceType", "resourceType must be 'Patient'.")
    gender = elements.code(body.get("gender"), "Patient.gender", tuple(SEX_FROM_GENDER), required=True)
    fields = _name_fields(body, lenient=warn is not None)
    fields["birth_date"] = elements.day(body.get("birthDate"), "Patient.birthDate", required=True)
    if len(str(body.get("birthDate"))) != 10:
        raise Invalid("Patient.birthDate", "Patient.birthDate must be a full date (YYYY-MM-DD).")
    fields["sex_at_birth"] = _sex_at_birth(body, gender, warn=warn)
    fields["active"] = elements.boolean(body.get("active"), "Patient.active", default=True)
    deceased = body.get("deceasedBoolean")
    if "deceasedDateTime" in body:
        elements.instant(body["deceasedDateTime"], "Patient.deceasedDateTime")
        deceased = True
    fields["deceased"] = elements.boolean(deceased, "Patient.deceasedBoolean", default=False)
    mrn = ""
    others = []
    for identifier in elements.identifiers(body, "Patient"):
        if identifier.system == MRN_SYSTEM:
            if len(identifier.value) > 32:
                raise Invalid("Patient.identifier", "Patient.identifier: an MRN is at most 32 characters.")
            mrn = mrn or identifier.value
        else:
            others.append(identifier)
    return PatientIn(
        fields=fields,
        mrn=mrn,
        telecom=elements.telecom(body, "Patient", warn=warn),
        addresses=elements.addresses(body, "Patient", warn=warn),
        identifiers=others,
    )


def _invalid(exc: ValidationError) -> Invalid:
    """The Invalid for a service's ValidationError: the first field's element and message."""
    if hasattr(exc, "error_dict"):
        name, errors = next(iter(exc.error_dict.items()))
        element = ELEMENTS.get(name, "Patient")
        return Invalid(element, f"{element}: {' '.join(m for e in errors for m in e.messages)}")
    return Invalid("Patient", "Patient: " + " ".join(exc.messages))


def _sync_telecom(actor: Actor, patient: Patient, wanted: list[ContactPointIn], *, new: bool) -> bool:
    active = [] if new else list(patient.telecom.filter(state=ContactPointState.ACTIVE).order_by("dbid"))
    existing = {(p.system, p.value): p for p in reversed(active)}
    changed = False
    for point in wanted:
        current = existing.pop((point.system, point.value), None)
        if current is None:
            services.add_contact_point(
                actor=actor,
                patient=patient,
                system=point.system,
                value=point.value,
                use=point.use or "home",
                rank=point.rank,
            )
        elif (current.use, current.rank) != (point.use or current.use, point.rank):
            services.update_contact_point(
                actor=actor, contact_point=current, use=point.use or current.use, rank=point.rank
            )
        else:
            continue
        changed = True
    for stale in existing.values():
        services.delete_contact_point(actor=actor, contact_point=stale)
        changed = True
    return changed


def _sync_addresses(actor: Actor, patient: Patient, wanted: list[AddressIn], *, new: bool) -> bool:
    active = [] if new else list(patient.addresses.filter(state=ContactPointState.ACTIVE).order_by("dbid"))
    return elements.sync_addresses(
        active,
        wanted,
        add=lambda fields: services.save_patient_address(
            actor=actor, address=PatientAddress(patient=patient, **fields), changed=sorted(fields)
        ),
        change=lambda address, diff: services.save_patient_address(actor=actor, address=address, changed=diff),
        delete=lambda address: services.delete_patient_address(actor=actor, address=address),
    )


@transaction.atomic
def save(
    data: PatientIn, *, actor: Actor, patient: Patient | None = None, extra: tuple[IdentifierIn, ...] = ()
) -> tuple[Patient, bool]:
    """Create (`patient` None) or update a patient from `data`; return it and whether anything changed.

    Only what differs is written, so saving the same data twice writes (and announces) nothing.
    `extra` identifiers (the importer's source id) are added alongside the body's.
    Raises Invalid naming the element; nothing is written then.
    """
    try:
        new = patient is None
        fields = dict(data.fields)
        if data.mrn:
            fields["mrn"] = data.mrn
        if patient is None:
            patient = services.create_patient(actor=actor, **fields)
            changed = True
        else:
            diff = {k: v for k, v in fields.items() if getattr(patient, k) != v}
            if diff:
                services.update_patient(actor=actor, patient=patient, **diff)
            changed = bool(diff)
        changed |= _sync_telecom(actor, patient, data.telecom, new=new)
        changed |= _sync_addresses(actor, patient, data.addresses, new=new)
        identifiers = [(i.system, i.value, i.use, i.type_code) for i in (*data.identifiers, *extra)]
        changed |= services.set_external_identifiers(actor=actor, owner=patient, identifiers=identifiers)
    except ValidationError as exc:
        raise _invalid(exc) from None
    return patient, changed


def _name(patient: Patient) -> list[Json]:
    official: Json = {"use": "official", "text": patient.full_name, "family": patient.last_name}
    given = [p for p in (patient.first_name, patient.middle_name) if p]
    if given:
        official["given"] = given
    if patient.prefix:
        official["prefix"] = [patient.prefix]
    if patient.suffix:
        official["suffix"] = [patient.suffix]
    names = [official]
    if patient.nickname:
        names.append({"use": "nickname", "given": [patient.nickname]})
    return names


def _telecom(point: PatientContactPoint) -> Json:
    entry: Json = {"system": point.system, "value": point.value}
    if point.use in FHIR_USES:
        entry["use"] = point.use
    entry["rank"] = point.rank
    return entry


def _identifiers(patient: Patient) -> list[Json]:
    mrn: Json = {
        "use": "usual",
        "type": {"coding": [{"system": V2_0203, "code": "MR"}]},
        "system": MRN_SYSTEM,
        "value": patient.mrn,
    }
    found = [mrn]
    for identifier in patient.external_identifiers.all():
        entry: Json = {}
        if identifier.use:
            entry["use"] = identifier.use
        if identifier.identifier_type:
            entry["type"] = {"coding": [{"system": V2_0203, "code": identifier.identifier_type}]}
        entry["system"] = identifier.system
        entry["value"] = identifier.value
        found.append(entry)
    return found


def serialize(patient: Patient) -> Json:
    """Return the Patient (prefetched as `_patients()` does: `active_telecom`, `active_addresses`,
    `external_identifiers`)."""
    sex = Sex(patient.sex_at_birth)
    resource: Json = {
        "resourceType": "Patient",
        "id": patient.id,
        "meta": {"lastUpdated": last_updated(_changed_at(patient))},
        "extension": [{"url": BIRTH_SEX, "valueCode": BIRTH_SEX_CODE[sex]}],
        "identifier": _identifiers(patient),
        "active": patient.active,
        "name": _name(patient),
    }
    telecom = [_telecom(p) for p in patient.active_telecom]  # type: ignore[attr-defined]
    if telecom:
        resource["telecom"] = telecom
    resource["gender"] = GENDER[sex]
    resource["birthDate"] = patient.birth_date.isoformat()
    if patient.deceased:
        resource["deceasedBoolean"] = True
    addresses = [elements.address_json(a) for a in patient.active_addresses]  # type: ignore[attr-defined]
    if addresses:
        resource["address"] = addresses
    return resource


def _patients() -> QuerySet[Patient]:
    active = PatientContactPoint.objects.filter(state=ContactPointState.ACTIVE).order_by("system", "rank", "dbid")
    addresses = PatientAddress.objects.filter(state=ContactPointState.ACTIVE).order_by("dbid")
    telecom = Prefetch("telecom", queryset=active, to_attr="active_telecom")
    places = Prefetch("addresses", queryset=addresses, to_attr="active_addresses")
    identifiers = Prefetch("external_identifiers", queryset=PatientExternalIdentifier.objects.order_by("dbid"))
    patients = _with_changed_at(Patient.objects.all())
    return patients.prefetch_related(telecom, places, identifiers).order_by("last_name", "first_name", "dbid")


def _latest(model: type[models.Model]) -> Subquery:
    rows = model._default_manager.filter(patient=OuterRef("pk")).order_by("-modified")
    return Subquery(rows.values("modified")[:1])


def _with_changed_at(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Annotate when each patient's telecom, addresses and identifiers last changed (deleted ones too)."""
    return patients.annotate(
        telecom_changed=_latest(PatientContactPoint),
        address_changed=_latest(PatientAddress),
        identifier_changed=_latest(PatientExternalIdentifier),
    )


def _changed_at(patient: Patient) -> datetime:
    """When the patient or anything served with it last changed (annotated by `_with_changed_at`)."""
    times = [getattr(patient, name, None) for name in ("telecom_changed", "address_changed", "identifier_changed")]
    return max([patient.modified, *(t for t in times if t is not None)])


def read(resource_id: str) -> Json | None:
    patient = _patients().filter(id=resource_id).first()
    return serialize(patient) if patient is not None else None


def _date_range(text: str, value: str) -> tuple[date, date]:
    """The first and last day a FHIR date of any precision (YYYY, YYYY-MM, YYYY-MM-DD) covers."""
    try:
        if len(text) == 4:
            year = int(text)
            return date(year, 1, 1), date(year, 12, 31)
        if len(text) == 7:
            first = date.fromisoformat(f"{text}-01")
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return first, date.fromordinal(following.toordinal() - 1)
        if len(text) == 10:
            day = date.fromisoformat(text)
            return day, day
    except ValueError:
        pass
    raise SearchError(f"birthdate must be a date (YYYY, YYYY-MM or YYYY-MM-DD), with an optional prefix, not '{value}'")


def _birthdate_filter(value: str) -> Q:
    """FHIR date search: a partial date is the range it covers (`1990` is the whole year)."""
    prefix = value[:2] if value[:2] in _PREFIXES else "eq"
    text = value[2:] if value[:2] == prefix else value
    first, last = _date_range(text, value)
    return {
        "eq": Q(birth_date__gte=first, birth_date__lte=last),
        "ne": ~Q(birth_date__gte=first, birth_date__lte=last),
        "gt": Q(birth_date__gt=last),
        "ge": Q(birth_date__gte=first),
        "lt": Q(birth_date__lt=first),
        "le": Q(birth_date__lte=last),
    }[prefix]


SORTS = {"_id": "id", "birthdate": "birth_date", "family": "last_name", "given": "first_name"}


def _ordering(values: list[str]) -> list[str]:
    """The ORM ordering for `_sort` (comma-separated keys, `-` for descending). Raises SearchError."""
    if len(values) > 1:
        raise SearchError("_sort may be given only once (separate keys with commas)")
    ordering = []
    for key in values[0].split(","):
        descending = key.startswith("-")
        column = SORTS.get(key.removeprefix("-"))
        if column is None:
            raise SearchError(f"_sort '{key}' is not one of {', '.join(SORTS)} (with an optional '-')")
        ordering.append(f"-{column}" if descending else column)
    return [*ordering, "dbid"]


def _identifier_filter(value: str) -> Q:
    system, sep, mrn = value.rpartition("|")
    if sep and system and system != MRN_SYSTEM:
        return Q(pk__in=[])  # no other identifier systems
    return Q(mrn=mrn) if mrn else Q()


def _contact_filter(system: str, values: list[str]) -> Q:
    normalized = []
    for value in values:
        try:
            normalized.append(normalize_contact_value(system, value))
        except ValidationError:
            continue  # a value that cannot be stored matches nothing
    points = PatientContactPoint.objects.filter(
        system=system, state=ContactPointState.ACTIVE, value__in=normalized
    ).values("patient_id")
    return Q(dbid__in=points)


def _name_filter(columns: tuple[str, ...], names: list[str]) -> Q:
    match = Q()
    for name in names:
        for column in columns:
            match |= Q(**{f"{column}__icontains": name})
    return match


def search(params: dict[str, list[str]], page: Page) -> SearchResult:
    patients = _patients()
    for ids in split_or(params.get("_id", [])):
        patients = patients.filter(id__in=ids)
    for value in params.get("active", []):
        patients = patients.filter(active=parse_bool("active", value))
    for names in split_or(params.get("name", [])):
        columns = ("first_name", "middle_name", "last_name", "prefix", "suffix", "nickname")
        patients = patients.filter(_name_filter(columns, names))
    for names in split_or(params.get("family", [])):
        patients = patients.filter(_name_filter(("last_name",), names))
    for names in split_or(params.get("given", [])):
        patients = patients.filter(_name_filter(("first_name", "middle_name"), names))
    for names in split_or(params.get("nickname", [])):
        patients = patients.filter(_name_filter(("nickname",), names))
    for members in split_or(params.get(CARE_TEAM_MEMBER, [])):
        keys = reference_ids(CARE_TEAM_MEMBER, "Practitioner", members)
        teams = CareTeamMembership.objects.filter(staff__id__in=keys, status=CareTeamMembershipStatus.ACTIVE)
        patients = patients.filter(dbid__in=teams.values("patient_id"))
    for value in params.get("birthdate", []):
        patients = patients.filter(_birthdate_filter(value))
    for genders in split_or(params.get("gender", [])):
        codes = {fhir: sex for sex, fhir in GENDER.items()}
        unknown = [g for g in genders if g not in codes]
        if unknown:
            raise SearchError(f"gender '{unknown[0]}' is not one of {', '.join(codes)}")
        patients = patients.filter(sex_at_birth__in=[codes[g] for g in genders])
    for identifiers in split_or(params.get("identifier", [])):
        match = Q(pk__in=[])
        for identifier in identifiers:
            match |= _identifier_filter(identifier)
        patients = patients.filter(match)
    for emails in split_or(params.get("email", [])):
        patients = patients.filter(_contact_filter(ContactPointSystem.EMAIL, emails))
    for phones in split_or(params.get("phone", [])):
        patients = patients.filter(_contact_filter(ContactPointSystem.PHONE, phones))
    if "_sort" in params:
        patients = patients.order_by(*_ordering(params["_sort"]))
    total, rows = page_of(patients, page)
    return SearchResult(total=total, resources=[serialize(p) for p in rows])


def create(body: Json, actor: Actor) -> Json:
    """Create a patient from a FHIR Patient. Raises Invalid (nothing written)."""
    if "id" in body:
        raise Invalid("Patient.id", "Patient.id must not be sent on create: the server assigns it.")
    patient, _ = save(parse(body), actor=actor)
    found = read(patient.id)
    assert found is not None  # noqa: S101 - just written
    return found


def update(resource_id: str, body: Json, actor: Actor) -> Json | None:
    """Replace a patient's data with a FHIR Patient; None when there is no such patient.

    Omitted telecom and address entries are deleted. Raises Invalid (nothing written).
    """
    patient = Patient.objects.filter(id=resource_id).first()
    if patient is None:
        return None
    if body.get("id", resource_id) != resource_id:
        raise Invalid("Patient.id", f"Patient.id '{body.get('id')}' does not match the URL's '{resource_id}'.")
    save(parse(body), actor=actor, patient=patient)
    return read(resource_id)


def last_modified(resource_id: str) -> datetime | None:
    """Return when the patient or its telecom, addresses or identifiers last changed (`meta.lastUpdated`),
    locking the patient's row until the transaction ends; None when there is no such patient."""
    locked = Patient.objects.select_for_update().filter(id=resource_id).values_list("pk", flat=True)
    patient = _with_changed_at(Patient.objects.filter(pk__in=list(locked))).first()
    return _changed_at(patient) if patient is not None else None


def audit(actor: Actor, resources: list[Json]) -> None:
    services.record_chart_views(actor=actor, patient_keys=(r["id"] for r in resources), what="fhir Patient")


RESOURCE = ResourceType(
    name="Patient",
    interactions=("create", "read", "update", "search-type"),
    search_params=(
        SearchParam("_id", "token", "The patient's id (the patient key); commas give alternatives."),
        SearchParam("_sort", "special", "_id, birthdate, family or given, comma-separated; '-' sorts descending."),
        SearchParam("active", "token", "true or false."),
        SearchParam("name", "string", "Part of the prefix, given, middle, family, suffix or nickname."),
        SearchParam("family", "string", "Part of the family name."),
        SearchParam("given", "string", "Part of the first or middle name."),
        SearchParam("nickname", "string", "Part of the nickname."),
        SearchParam(
            CARE_TEAM_MEMBER,
            "reference",
            "Patients whose active care team includes this practitioner (Practitioner/<id> or <id>).",
        ),
        SearchParam(
            "birthdate",
            "date",
            "The birth date (YYYY, YYYY-MM or YYYY-MM-DD: a partial date is the range it covers), with eq ne "
            "gt ge lt le prefixes. birthDate is accepted too.",
            aliases=("birthDate",),
        ),
        SearchParam("gender", "token", "male | female | other | unknown"),
        SearchParam("identifier", "token", "The MRN: value, http://canvasmedical.com|value or |value."),
        SearchParam("email", "token", "An active email contact point."),
        SearchParam("phone", "token", "An active phone contact point (10 digits or E.164)."),
    ),
    read=read,
    search=search,
    create=create,
    update=update,
    audit=audit,
    last_modified=last_modified,
)
