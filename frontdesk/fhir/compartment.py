"""The patient compartment: what a token bound to one patient may reach, decided in one place.

`restrict(resource, patient_id=...)` returns the ResourceType with its handlers wrapped, and the
views use it in place of the real one for a patient-bound token (`views.fhir_interaction`), so
every route goes through the same checks:

- search: the patient constraint is added to the parameters (AND-ed with whatever the client
  sent: repeated parameters are AND in every served search), and every resource returned is
  checked again;
- read: a resource that is not in the compartment reads as missing (404, never 403: ids cannot
  be probed);
- create: every Patient reference in the body must be the token's patient, and the new resource
  must be placed in the compartment by its own patient element (403 otherwise: the answer does
  not depend on whether the other patient exists);
- update: the stored resource must be in the compartment (404 otherwise) and the body may name
  no other patient (403).

For each type, `COMPARTMENT` says how a resource names its patient and which search parameter
constrains it. Types that hold no patient data (`SHARED`) are readable, never writable. Any other
type, including one added to the registry later, is denied until it is listed here.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from frontdesk.audit.services import Actor
from frontdesk.fhir.resources import Json, ResourceType, SearchResult
from frontdesk.fhir.search import Page, SearchError

# A reference to a Patient: relative (`Patient/<id>`), absolute (`https://.../Patient/<id>`), with a
# version (`/_history/<n>`), or conditional (`Patient?identifier=...`, captured as no id).
_PATIENT_REFERENCE = re.compile(r"(?:^|/)Patient(?:/(?P<id>[^/?#]+)(?:/_history/[^/]*)?|\?.*)$")

#: Search parameters that would pull other resources into a Bundle; never for a patient token.
_INCLUDES = ("_include", "_revinclude")


class OutsideCompartment(Exception):
    """Raised when a write names a patient other than the token's, or cannot be placed in the
    token's patient compartment, or the type is not reachable with a patient token; answered 403."""


def _reference_ids(value: Any, kind: str) -> set[str]:
    """Return the ids of the `kind` references in a Reference (or a list of them)."""
    found: set[str] = set()
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict) and isinstance(item.get("reference"), str):
            reference = item["reference"]
            if reference.startswith(f"{kind}/"):
                found.add(reference.partition("/")[2])
    return found


def _participants(resource: Json) -> set[str]:
    participants = resource.get("participant")
    actors = [p.get("actor") for p in participants if isinstance(p, dict)] if isinstance(participants, list) else []
    return _reference_ids(actors, "Patient")


@dataclass(frozen=True)
class Membership:
    """How a type's resources belong to patients.

    `patients(resource)` returns the ids of the patients a resource belongs to (empty: none);
    `search_param` is the parameter that limits a search to one patient, given `value(patient_id)`.
    """

    patients: Callable[[Json], set[str]]
    search_param: str
    value: Callable[[str], str]


def _by_element(element: str) -> Membership:
    return Membership(
        patients=lambda r: _reference_ids(r.get(element), "Patient"),
        search_param="patient",
        value=lambda key: f"Patient/{key}",
    )


COMPARTMENT: dict[str, Membership] = {
    "Patient": Membership(
        patients=lambda r: {r["id"]} if isinstance(r.get("id"), str) else set(),
        search_param="_id",
        value=lambda key: key,
    ),
    "Appointment": Membership(patients=_participants, search_param="patient", value=lambda key: f"Patient/{key}"),
    "Condition": _by_element("subject"),
    "MedicationStatement": _by_element("subject"),
    "AllergyIntolerance": _by_element("patient"),
}

#: Types that hold no patient's data: a patient token reads and searches them when its scopes name them.
SHARED = frozenset({"Practitioner", "Location", "Schedule", "Slot"})
SHARED_INTERACTIONS = frozenset({"read", "search-type"})


def refused_parameters(names: Iterable[str]) -> list[str]:
    """Return the search parameters a patient-scoped search refuses (400) whether or not a type
    declares them: those that would add other resources to the Bundle."""
    return [name for name in names if name.startswith(_INCLUDES)]


def _walk_references(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "reference" in value or value.get("type") == "Patient":
            yield value
        for item in value.values():
            yield from _walk_references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_references(item)


def named_patients(body: Json) -> set[str | None]:
    """Return every patient a body refers to, anywhere in it (contained resources included); None
    stands for a Patient reference whose patient cannot be told (conditional, or by identifier)."""
    found: set[str | None] = set()
    for reference in _walk_references(body):
        text = reference.get("reference")
        if isinstance(text, str):
            match = _PATIENT_REFERENCE.search(text)
            if match is not None:
                found.add(match["id"])
            continue
        found.add(None)  # {"type": "Patient", "identifier": ...}: cannot be checked
    return found


def belongs(membership: Membership, resource: Json, patient_id: str) -> bool:
    """Return True when `resource` belongs to this patient and to no other."""
    return membership.patients(resource) == {patient_id}


#: The ResourceType handlers `restrict` knows how to limit; any other callable field is switched off
#: for patient tokens (fail closed: a handler added later is not reachable until it is limited here).
_LIMITED = frozenset({"read", "search", "create", "update", "last_modified", "audit"})


def _unknown_handlers_off(resource: ResourceType) -> dict[str, Any]:
    return {
        f.name: None
        for f in dataclasses.fields(resource)
        if f.name not in _LIMITED and callable(getattr(resource, f.name))
    }


def restrict(resource: ResourceType, *, patient_id: str, interaction: str) -> ResourceType:
    """Return `resource` limited to the compartment of the patient `patient_id` (the patient key).

    Raises OutsideCompartment when `interaction` on this type cannot be limited to one patient.
    """
    if resource.name in SHARED:
        if interaction not in SHARED_INTERACTIONS:
            raise OutsideCompartment(f"A patient-scoped token cannot {interaction} {resource.name} resources.")
        return dataclasses.replace(
            resource, create=None, update=None, last_modified=None, **_unknown_handlers_off(resource)
        )
    membership = COMPARTMENT.get(resource.name)
    if membership is None:
        raise OutsideCompartment(f"{resource.name} resources are not reachable with a patient-scoped token.")
    if membership.search_param not in {p.name for p in resource.search_params} and resource.search is not None:
        raise OutsideCompartment(f"{resource.name} searches cannot be limited to one patient.")
    return dataclasses.replace(
        resource,
        read=_read(resource, membership, patient_id),
        search=_search(resource, membership, patient_id),
        create=_create(resource, membership, patient_id),
        update=_update(resource, membership, patient_id),
        last_modified=_last_modified(resource, membership, patient_id),
        **_unknown_handlers_off(resource),
    )


def _read(resource: ResourceType, membership: Membership, patient_id: str) -> Callable[[str], Json | None] | None:
    read = resource.read
    if read is None:
        return None

    def guarded(resource_id: str) -> Json | None:
        found = read(resource_id)
        return found if found is not None and belongs(membership, found, patient_id) else None

    return guarded


def _search(
    resource: ResourceType, membership: Membership, patient_id: str
) -> Callable[[dict[str, list[str]], Page], SearchResult] | None:
    search = resource.search
    if search is None:
        return None

    def guarded(params: dict[str, list[str]], page: Page) -> SearchResult:
        included = refused_parameters(params)
        if included:
            raise SearchError(f"'{included[0]}' is not supported with a patient-scoped token")
        limited = {
            **params,
            membership.search_param: [*params.get(membership.search_param, []), membership.value(patient_id)],
        }
        result = search(limited, page)
        if not all(belongs(membership, found, patient_id) for found in result.resources):
            # Cannot happen while every search ANDs repeated parameters; refuse rather than leak.
            raise OutsideCompartment(f"The {resource.name} search could not be limited to the token's patient.")
        return result

    return guarded


def _last_modified(
    resource: ResourceType, membership: Membership, patient_id: str
) -> Callable[[str], datetime | None] | None:
    last_modified, read = resource.last_modified, resource.read
    if last_modified is None:
        return None

    def guarded(resource_id: str) -> datetime | None:
        stored = read(resource_id) if read is not None else None
        if stored is None or not belongs(membership, stored, patient_id):
            return None  # 404, never 412: whether another patient's resource changed is not told
        return last_modified(resource_id)

    return guarded


def _check_body(body: Json, patient_id: str) -> None:
    others = named_patients(body) - {patient_id}
    if others:
        raise OutsideCompartment("The body refers to a patient other than the token's.")


def _create(resource: ResourceType, membership: Membership, patient_id: str) -> Callable[[Json, Actor], Json] | None:
    create = resource.create
    if create is None:
        return None

    def guarded(body: Json, actor: Actor) -> Json:
        _check_body(body, patient_id)
        if not belongs(membership, body, patient_id):
            raise OutsideCompartment(f"The {resource.name} must belong to the token's patient.")
        created = create(body, actor)
        if not belongs(membership, created, patient_id):  # pragma: no cover - the body was checked
            raise OutsideCompartment(f"The {resource.name} must belong to the token's patient.")
        return created

    return guarded


def _update(
    resource: ResourceType, membership: Membership, patient_id: str
) -> Callable[[str, Json, Actor], Json | None] | None:
    update, read = resource.update, resource.read
    if update is None:
        return None

    def guarded(resource_id: str, body: Json, actor: Actor) -> Json | None:
        stored = read(resource_id) if read is not None else None
        if stored is None or not belongs(membership, stored, patient_id):
            return None  # 404, as for an id that does not exist
        _check_body(body, patient_id)
        return update(resource_id, body, actor)

    return guarded
