"""SMART backend-services scopes, as plain data: `system/<Type>.<read|write|*>`.

A pure core (no ORM, no request): parsing, normalising and matching scopes, so the token endpoint
(what may be granted) and the API (what a token may do) share one definition and it is tested
without a database. `<Type>` is a resource type name or `*`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_SCOPE = re.compile(r"system/(\*|[A-Z][A-Za-z]{1,63})\.(read|write|\*)")

#: Everything: what a client may be granted when nothing narrower is configured.
ALL = "system/*.*"

#: FHIR interactions, by the access they need.
READ_INTERACTIONS = frozenset({"read", "vread", "search-type", "history-instance", "history-type"})
WRITE_INTERACTIONS = frozenset({"create", "update", "patch", "delete"})


class InvalidScope(ValueError):
    """Raised with the offending scope string when a scope is not `system/<Type>.<read|write|*>`."""


@dataclass(frozen=True, order=True)
class Scope:
    resource_type: str
    access: str

    def __str__(self) -> str:
        return f"system/{self.resource_type}.{self.access}"

    def covers(self, other: Scope) -> bool:
        """Return True when everything `other` grants is granted by this scope."""
        type_ok = self.resource_type == "*" or self.resource_type == other.resource_type
        access_ok = self.access == "*" or self.access == other.access
        return type_ok and access_ok


def parse_scopes(text: str) -> tuple[Scope, ...]:
    """Return the scopes in a space-separated string, duplicates dropped, in the order given.

    Raises InvalidScope naming the first entry that is not `system/<Type>.<read|write|*>`.
    """
    scopes: list[Scope] = []
    for item in text.split():
        match = _SCOPE.fullmatch(item)
        if match is None:
            raise InvalidScope(item)
        scope = Scope(resource_type=match[1], access=match[2])
        if scope not in scopes:
            scopes.append(scope)
    return tuple(scopes)


def format_scopes(scopes: Iterable[Scope]) -> str:
    return " ".join(str(s) for s in scopes)


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


def allows(scopes: Iterable[Scope], *, resource_type: str, interaction: str) -> bool:
    """Return True when `scopes` permit `interaction` on `resource_type`."""
    needed = Scope(resource_type=resource_type, access=access_for(interaction))
    return any(s.covers(needed) for s in scopes)
