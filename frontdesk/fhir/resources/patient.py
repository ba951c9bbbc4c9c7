"""Patient: read and search (reference §1.7). The id is the patient key; the MRN is the identifier
(system `http://canvasmedical.com`, as Canvas's). Telecom lists the active contact points only.

Every patient a read or search returns is audited as a chart view ("fhir Patient").
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet

from frontdesk.audit.services import Actor
from frontdesk.clinic.models import ContactPointState, ContactPointSystem, Patient, PatientContactPoint, Sex
from frontdesk.clinic.services import normalize_contact_value
from frontdesk.fhir.resources import Json, ResourceType, SearchResult
from frontdesk.fhir.resources.chart import record_views
from frontdesk.fhir.search import Page, SearchError, SearchParam, parse_bool, split_or

MRN_SYSTEM = "http://canvasmedical.com"
BIRTH_SEX = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex"
GENDER = {Sex.FEMALE: "female", Sex.MALE: "male", Sex.OTHER: "other", Sex.UNKNOWN: "unknown"}
BIRTH_SEX_CODE = {Sex.FEMALE: "F", Sex.MALE: "M", Sex.OTHER: "OTH", Sex.UNKNOWN: "UNK"}
# ContactPoint.use in R4 (home | work | temp | old | mobile); other uses are left out.
FHIR_USES = frozenset({"home", "work", "temp", "old", "mobile"})
_PREFIXES = ("eq", "ne", "gt", "ge", "lt", "le")


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


def serialize(patient: Patient) -> Json:
    """Return the Patient (its active contact points prefetched as `active_telecom`)."""
    sex = Sex(patient.sex_at_birth)
    resource: Json = {
        "resourceType": "Patient",
        "id": patient.id,
        "extension": [{"url": BIRTH_SEX, "valueCode": BIRTH_SEX_CODE[sex]}],
        "identifier": [
            {
                "use": "usual",
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
                "system": MRN_SYSTEM,
                "value": patient.mrn,
            }
        ],
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
    return resource


def _patients() -> QuerySet[Patient]:
    active = PatientContactPoint.objects.filter(state=ContactPointState.ACTIVE).order_by("system", "rank", "dbid")
    telecom = Prefetch("telecom", queryset=active, to_attr="active_telecom")
    return Patient.objects.all().prefetch_related(telecom).order_by("last_name", "first_name", "dbid")


def read(resource_id: str) -> Json | None:
    patient = _patients().filter(id=resource_id).first()
    return serialize(patient) if patient is not None else None


def _birthdate_filter(value: str) -> Q:
    prefix = value[:2] if value[:2] in _PREFIXES else "eq"
    text = value[2:] if value[:2] == prefix else value
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise SearchError(f"birthdate must be a date (YYYY-MM-DD), with an optional prefix, not '{value}'") from None
    return {
        "eq": Q(birth_date=day),
        "ne": ~Q(birth_date=day),
        "gt": Q(birth_date__gt=day),
        "ge": Q(birth_date__gte=day),
        "lt": Q(birth_date__lt=day),
        "le": Q(birth_date__lte=day),
    }[prefix]


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
    total = patients.count()
    rows = list(patients[page.window()]) if total and page.count else []
    return SearchResult(total=total, resources=[serialize(p) for p in rows])


def audit(actor: Actor, resources: list[Json]) -> None:
    record_views(actor, (r["id"] for r in resources), "fhir Patient")


RESOURCE = ResourceType(
    name="Patient",
    interactions=("read", "search-type"),
    search_params=(
        SearchParam("_id", "token", "The patient's id (the patient key); commas give alternatives."),
        SearchParam("active", "token", "true or false."),
        SearchParam("name", "string", "Part of the prefix, given, middle, family, suffix or nickname."),
        SearchParam("family", "string", "Part of the family name."),
        SearchParam("given", "string", "Part of the first or middle name."),
        SearchParam(
            "birthdate",
            "date",
            "The birth date (YYYY-MM-DD), with eq ne gt ge lt le prefixes. birthDate is accepted too.",
            aliases=("birthDate",),
        ),
        SearchParam("gender", "token", "male | female | other | unknown"),
        SearchParam("identifier", "token", "The MRN: value, http://canvasmedical.com|value or |value."),
        SearchParam("email", "token", "An active email contact point."),
        SearchParam("phone", "token", "An active phone contact point (10 digits or E.164)."),
    ),
    read=read,
    search=search,
    audit=audit,
)
