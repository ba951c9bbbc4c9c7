"""The resource types the API serves, one module each, and the registry the views and the
CapabilityStatement read. A module declares a `RESOURCE` with its interactions, search
parameters and handlers; adding it to `MODULES` is all it takes to serve and advertise it."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from frontdesk.audit.services import Actor
from frontdesk.fhir.search import Page, SearchParam

Json = dict[str, Any]

MODULES = (
    "practitioner",
    "location",
    "schedule",
    "slot",
    "appointment",
    "patient",
    "condition",
    "medication_statement",
    "allergy_intolerance",
)


class Invalid(Exception):
    """Raised by a create or update for a body that is not valid: answered 400 `invalid`,
    naming the element (a FHIRPath such as `Appointment.start`)."""

    def __init__(self, element: str, message: str) -> None:
        super().__init__(message)
        self.element = element
        self.message = message


class BusinessRule(Exception):
    """Raised by a create or update the business rules refuse: answered 422 `business-rule` with
    `text` (Canvas's wording) and the element it concerns, if one."""

    def __init__(self, text: str, element: str = "") -> None:
        super().__init__(text)
        self.text = text
        self.element = element


@dataclass(frozen=True)
class SearchResult:
    total: int
    resources: list[Json]


@dataclass(frozen=True)
class ResourceType:
    """One served resource type.

    `read(id)` returns the resource or None (→ 404). `search(params, page)` takes the parsed
    parameters (canonical name → values) and returns one page and the total; it raises
    SearchError for a bad value. `create(body, actor)` returns the created resource;
    `update(id, body, actor)` returns the updated resource or None (→ 404). Both raise Invalid or
    BusinessRule and write nothing then.

    `audit(actor, resources)`, for types holding patient data, is called with every resource a
    read or search returns, before the response is sent: it records who viewed which chart.

    `last_modified(id)` returns when the stored resource last changed, or None (→ 404). An
    update with If-Unmodified-Since calls it inside the update's transaction, so it should lock
    the row it reads (`select_for_update`): then no other write can slip between check and update.
    """

    name: str
    interactions: tuple[str, ...]
    search_params: tuple[SearchParam, ...] = ()
    read: Callable[[str], Json | None] | None = None
    search: Callable[[dict[str, list[str]], Page], SearchResult] | None = None
    create: Callable[[Json, Actor], Json] | None = None
    update: Callable[[str, Json, Actor], Json | None] | None = None
    audit: Callable[[Actor, list[Json]], None] | None = None
    last_modified: Callable[[str], datetime | None] | None = None
    documentation: str = ""


@cache
def registry() -> dict[str, ResourceType]:
    """Return the served resource types by name, in `MODULES` order."""
    types = [importlib.import_module(f"{__name__}.{name}").RESOURCE for name in MODULES]
    return {t.name: t for t in types}
