"""SMART scopes, as plain data: `system/<Type>.<read|write|*>` (backend services),
`patient/<Type>.<read|write|*>` (a token bound to one patient) and SMART's launch scopes
`launch/patient`, `openid`, `fhirUser` and `offline_access`.

A pure core (no ORM, no request): parsing, normalising and matching scopes, so the token and
authorize endpoints (what may be granted) and the API (what a token may do) share one definition
and it is tested without a database. `<Type>` is a resource type name or `*`. `user/` scopes are
not served: a portal account is a patient's, so `patient/` says it.

Covering: a scope covers another of its own context with the same or a narrower type and access;
a `system/` scope also covers the `patient/` scope of the same type and access (a client trusted
with all of a type may be given one patient's view of it). A launch scope covers only itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_RESOURCE_SCOPE = re.compile(r"(system|patient)/(\*|[A-Z][A-Za-z]{1,63})\.(read|write|\*)")

SYSTEM = "system"
PATIENT = "patient"

#: SMART's scopes that name no resource type.
LAUNCH_PATIENT = "launch/patient"
OPENID = "openid"
FHIR_USER = "fhirUser"
OFFLINE_ACCESS = "offline_access"
LAUNCH_SCOPES = (LAUNCH_PATIENT, OPENID, FHIR_USER, OFFLINE_ACCESS)

#: Everything: what a client may be granted when nothing narrower is configured.
ALL = "system/*.*"

#: The form of a scope, for error messages.
SCOPE_FORMS = "system/<Type>.<read|write|*>, patient/<Type>.<read|write|*>, " + ", ".join(LAUNCH_SCOPES)

#: FHIR interactions, by the access they need.
READ_INTERACTIONS = frozenset({"read", "vread", "search-type", "history-instance", "history-type"})
WRITE_INTERACTIONS = frozenset({"create", "update", "patch", "delete"})


class InvalidScope(ValueError):
    """Raised with the offending scope string when a scope is none of the forms in SCOPE_FORMS."""


@dataclass(frozen=True, order=True)
class Scope:
    """A resource scope (`context` is system or patient) or, with an empty `resource_type` and
    `access`, a launch scope whose name is `context` (e.g. `offline_access`)."""

    resource_type: str
    access: str
    context: str = SYSTEM

    @classmethod
    def launch(cls, name: str) -> Scope:
        return cls(resource_type="", access="", context=name)

    @property
    def is_resource(self) -> bool:
        return bool(self.resource_type)

    def __str__(self) -> str:
        if not self.is_resource:
            return self.context
        return f"{self.context}/{self.resource_type}.{self.access}"

    def covers(self, other: Scope) -> bool:
        """Return True when everything `other` grants is granted by this scope."""
        if not self.is_resource or not other.is_resource:
            return self == other
        context_ok = self.context == other.context or (self.context == SYSTEM and other.context == PATIENT)
        type_ok = self.resource_type == "*" or self.resource_type == other.resource_type
        access_ok = self.access == "*" or self.access == other.access
        return context_ok and type_ok and access_ok


def parse_scope(item: str) -> Scope:
    """Return the one scope `item` names. Raises InvalidScope."""
    if item in LAUNCH_SCOPES:
        return Scope.launch(item)
    match = _RESOURCE_SCOPE.fullmatch(item)
    if match is None:
        raise InvalidScope(item)
    return Scope(resource_type=match[2], access=match[3], context=match[1])


def parse_scopes(text: str) -> tuple[Scope, ...]:
    """Return the scopes in a space-separated string, duplicates dropped, in the order given.

    Raises InvalidScope naming the first entry that is not one of the forms in SCOPE_FORMS.
    """
    scopes: list[Scope] = []
    for item in text.split():
        scope = parse_scope(item)
        if scope not in scopes:
            scopes.append(scope)
    return tuple(scopes)


def format_scopes(scopes: Iterable[Scope]) -> str:
    return " ".join(str(s) for s in scopes)


def in_context(scopes: Iterable[Scope], context: str) -> tuple[Scope, ...]:
    """Return the resource scopes of one context (system or patient)."""
    return tuple(s for s in scopes if s.is_resource and s.context == context)


def launch_scopes(scopes: Iterable[Scope]) -> tuple[Scope, ...]:
    return tuple(s for s in scopes if not s.is_resource)


def has(scopes: Iterable[Scope], name: str) -> bool:
    """Return True when the launch scope `name` (e.g. `offline_access`) is among `scopes`."""
    return Scope.launch(name) in tuple(scopes)


def all_covered(requested: Iterable[Scope], allowed: Iterable[Scope]) -> bool:
    """Return True when each requested scope is covered by one allowed scope."""
    allowed = tuple(allowed)
    return all(any(a.covers(r) for a in allowed) for r in requested)


def access_for(interaction: str) -> str:
    """Return "read" or "write" for a FHIR interaction code. Raises ValueError for an unknown one."""
    if interaction in READ_INTERACTIONS:
        return "read"
    if interaction in WRITE_INTERACTIONS:
        return "write"
    raise ValueError(f"unknown FHIR interaction {interaction!r}")


def needed(*, resource_type: str, interaction: str, context: str = SYSTEM) -> Scope:
    """Return the narrowest scope that permits `interaction` on `resource_type` in `context`."""
    return Scope(resource_type=resource_type, access=access_for(interaction), context=context)


def allows(scopes: Iterable[Scope], *, resource_type: str, interaction: str, context: str = SYSTEM) -> bool:
    """Return True when `scopes` permit `interaction` on `resource_type` for a token of `context`.

    A token bound to a patient is checked with context "patient", any other with "system"; a
    scope of the other context never counts (the token endpoint issues one context per token).
    """
    wanted = needed(resource_type=resource_type, interaction=interaction, context=context)
    return any(s.covers(wanted) and s.context == context for s in scopes)


#: What each type holds, in the words the approval page shows a patient.
_PLAIN = {
    "Patient": "your profile (name, date of birth, contact details)",
    "Appointment": "your appointments",
    "Condition": "your health conditions",
    "MedicationStatement": "your medications",
    "AllergyIntolerance": "your allergies",
    "Practitioner": "the clinic's practitioners",
    "Location": "the clinic's locations",
    "Schedule": "the clinic's calendars",
    "Slot": "the clinic's open appointment times",
    "*": "everything in your record the app can reach",
}
_VERBS = {"read": "See", "write": "Change", "*": "See and change"}


def describe(scopes: Iterable[Scope]) -> list[str]:
    """Return one plain-language line per scope, for the page where a patient approves an app."""
    lines = []
    for scope in scopes:
        if scope.is_resource:
            lines.append(f"{_VERBS[scope.access]} {_PLAIN.get(scope.resource_type, scope.resource_type + ' records')}")
        elif scope.context == OFFLINE_ACCESS:
            lines.append("Keep this access after you close the app, without asking you again")
    return lines
