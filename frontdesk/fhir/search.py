"""Search parameters, `_count`/`_offset` paging and searchset Bundles, the way Canvas pages.

Canvas (reference §0): `_count` defaults to 10, at most 100; `_offset` picks the page; the Bundle
carries `total` and `link[]` with `self`, `first`, `next` and `last` as URLs relative to the FHIR
base (`/Practitioner?...&_count=10&_offset=0`); an empty result has no links. A `previous` link
is added on later pages (standard FHIR; Canvas's clients ignore it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, QuerySet, Window
from django.http import QueryDict

DEFAULT_COUNT = 10
MAX_COUNT = 100
PAGING = ("_count", "_offset")


class SearchError(ValueError):
    """Raised with a message naming the parameter and the problem; answered with a 400."""


@dataclass(frozen=True)
class SearchParam:
    """A search parameter as the CapabilityStatement lists it. `aliases` are other accepted spellings."""

    name: str
    type: str  # FHIR SearchParamType: token, string, reference, date, number, ...
    documentation: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Page:
    count: int
    offset: int

    def window(self) -> slice:
        return slice(self.offset, self.offset + self.count)


def _non_negative_int(query: QueryDict, name: str, default: int) -> int:
    values = query.getlist(name)
    if not values:
        return default
    if len(values) > 1:
        raise SearchError(f"{name} may be given only once")
    try:
        value = int(values[0])
    except ValueError:
        raise SearchError(f"{name} must be a whole number, not '{values[0]}'") from None
    if value < 0:
        raise SearchError(f"{name} must not be negative")
    return value


def parse_page(query: QueryDict) -> Page:
    """Return the page asked for; `_count` above the maximum is lowered to it. Raises SearchError."""
    count = min(_non_negative_int(query, "_count", DEFAULT_COUNT), MAX_COUNT)
    return Page(count=count, offset=_non_negative_int(query, "_offset", 0))


#: Result parameters that change nothing a client relies on: accepted and ignored even when strict.
HARMLESS = frozenset({"_format", "_pretty", "_total", "_totalMethod", "_summary"})


def parse_params(query: QueryDict, params: Sequence[SearchParam], *, strict: bool = False) -> dict[str, list[str]]:
    """Return the values given for each declared parameter, keyed by its canonical name.

    A parameter the resource does not declare is ignored (FHIR's default, lenient handling: fhirpy
    sends `_totalMethod`, others `_format`) and left out of the Bundle's links, which show what
    was applied; with `strict` (the client sent `Prefer: handling=strict`) it raises SearchError
    instead. Raises SearchError for an empty value (Canvas rejects empty strings).
    """
    by_name = _names(params)
    values: dict[str, list[str]] = {}
    for key in query:
        if key in PAGING:
            continue
        if key not in by_name:
            if strict and key not in HARMLESS:
                raise SearchError(f"Unknown search parameter '{key}'")
            continue
        for value in query.getlist(key):
            if not value.strip():
                raise SearchError(f"Search parameter '{key}' must not be empty")
            values.setdefault(by_name[key], []).append(value)
    return values


def used_query(query: QueryDict, params: Sequence[SearchParam]) -> QueryDict:
    """Return `query` without the parameters `parse_params` ignores (for the Bundle's links)."""
    known = _names(params)
    used = QueryDict(mutable=True)
    for key in query:
        if key in known or key in PAGING:
            used.setlist(key, query.getlist(key))
    return used


def _names(params: Sequence[SearchParam]) -> dict[str, str]:
    return {alias: p.name for p in params for alias in (p.name, *p.aliases)}


def page_of(
    queryset: QuerySet[Any], page: Page, load: Callable[[QuerySet[Any]], list[Any]] = list
) -> tuple[int, list[Any]]:
    """Return the total and the page's rows (`load` evaluates the page's queryset).

    The rows carry the total (COUNT(*) OVER ()), so a search costs one query for its page and
    total, not two. A count query is made only when no row can carry it (`_count=0`, an offset
    past the end; an empty first page means none matched) or the query is DISTINCT (the window
    would count the duplicates).
    """
    if not page.count or queryset.query.distinct:
        total = queryset.count()
        return total, (load(queryset[page.window()]) if total and page.count else [])
    rows = load(queryset.annotate(search_total=Window(Count("pk")))[page.window()])
    if rows:
        return int(rows[0].search_total), rows
    return (queryset.count() if page.offset else 0), rows  # an empty first page: nothing matched


def parse_bool(name: str, value: str) -> bool:
    """Return the boolean a "true"/"false" value (any case) means. Raises SearchError otherwise."""
    lowered = value.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise SearchError(f"{name} must be true or false, not '{value}'")


def split_or(values: list[str]) -> list[list[str]]:
    """FHIR's search value lists: repetitions are AND, commas inside a value are OR."""
    return [[v for v in value.split(",") if v] for value in values]


def reference_ids(name: str, prefix: str, values: list[str]) -> list[str]:
    """Return the ids in `<prefix>/<id>` (or bare id) references. Raises SearchError for another type."""
    ids = []
    for value in values:
        kind, sep, key = value.rpartition("/")
        if sep and kind != prefix:
            raise SearchError(f"{name} must reference a {prefix}, not '{value}'")
        ids.append(key)
    return ids


def uuids(values: list[str]) -> list[uuid.UUID]:
    """Return the values that are UUIDs; an id that cannot exist matches nothing."""
    keys = []
    for value in values:
        try:
            keys.append(uuid.UUID(value))
        except ValueError:
            continue
    return keys


def _link(resource_type: str, query: QueryDict, count: int, offset: int) -> str:
    kept = [(k, v) for k in query for v in query.getlist(k) if k not in PAGING]
    return f"/{resource_type}?" + urlencode([*kept, ("_count", count), ("_offset", offset)])


def searchset(
    *,
    resource_type: str,
    query: QueryDict,
    page: Page,
    total: int,
    resources: list[dict[str, Any]],
    full_url: Callable[[dict[str, Any]], str] | None = None,
) -> dict[str, Any]:
    """Return a searchset Bundle for one page of results."""
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": total}
    if total:
        links = [("self", page.offset), ("first", 0)]
        if page.count:
            if page.offset > 0:
                links.append(("previous", max(page.offset - page.count, 0)))
            if page.offset + page.count < total:
                links.append(("next", page.offset + page.count))
            links.append(("last", (total - 1) // page.count * page.count))
        bundle["link"] = [
            {"relation": relation, "url": _link(resource_type, query, page.count, offset)} for relation, offset in links
        ]
    if resources:
        entries = []
        for resource in resources:
            entry: dict[str, Any] = {}
            if full_url is not None:
                entry["fullUrl"] = full_url(resource)
            entry["resource"] = resource
            entry["search"] = {"mode": "match"}
            entries.append(entry)
        bundle["entry"] = entries
    return bundle
