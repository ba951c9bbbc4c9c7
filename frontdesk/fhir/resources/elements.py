"""Reading R4 datatypes out of a request body or an imported resource: the one place that knows
how a string, a date, an Identifier, a ContactPoint or an Address must look.

A separate module (not a served type, not in `MODULES`) because Patient, Practitioner and the
`import-fhir` loader read the same datatypes, and because it is pure: plain JSON in, plain values
out, no ORM, so it is tested without a database. Every problem raises `Invalid(element, message)`
naming the FHIRPath of the offending element (`Patient.telecom[1].value`).

Lenient reading: the functions that read a list take `warn`. Without it, a bad entry raises;
with it (the importer), the entry is reported through `warn` and dropped, and the rest is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import ValidationError

from frontdesk.clinic.services import normalize_contact_value
from frontdesk.fhir.resources import Invalid, Json

Warn = Callable[[Invalid], None]

# ContactPoint.system and .use in R4.
TELECOM_SYSTEMS = ("phone", "fax", "email", "pager", "url", "sms", "other")
TELECOM_USES = ("home", "work", "temp", "old", "mobile")
ADDRESS_USES = ("home", "work", "temp", "old", "billing")
ADDRESS_TYPES = ("postal", "physical", "both")
GEOLOCATION = "http://hl7.org/fhir/StructureDefinition/geolocation"


def obj(value: Any, element: str, *, required: bool = False) -> Json | None:
    """Return `value` when it is a JSON object (None when absent). Raises Invalid otherwise."""
    if value is None:
        if required:
            raise Invalid(element, f"{element} is required.")
        return None
    if not isinstance(value, dict):
        raise Invalid(element, f"{element} must be an object.")
    return value


def array(value: Any, element: str) -> list[Any]:
    """Return `value` when it is a JSON array ([] when absent). Raises Invalid otherwise."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid(element, f"{element} must be an array.")
    return value


def string(value: Any, element: str, *, required: bool = False, max_length: int | None = None) -> str:
    """Return a stripped, non-empty string ("" when absent and not required). Raises Invalid."""
    if value is None:
        if required:
            raise Invalid(element, f"{element} is required.")
        return ""
    if not isinstance(value, str):
        raise Invalid(element, f"{element} must be a string.")
    text = value.strip()
    if not text:
        raise Invalid(element, f"{element} must not be empty.")
    if max_length is not None and len(text) > max_length:
        raise Invalid(element, f"{element} is longer than {max_length} characters.")
    return text


def boolean(value: Any, element: str, *, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise Invalid(element, f"{element} must be true or false.")
    return value


def code(value: Any, element: str, allowed: tuple[str, ...], *, required: bool = False) -> str:
    """Return a code from `allowed` ("" when absent and not required). Raises Invalid naming them."""
    text = string(value, element, required=required)
    if text and text not in allowed:
        raise Invalid(element, f"{element} must be one of {' | '.join(allowed)}, not '{text}'.")
    return text


def day(value: Any, element: str, *, required: bool = False) -> date | None:
    """Return a full date (YYYY-MM-DD), or the date part of a dateTime. Raises Invalid."""
    text = string(value, element, required=required)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
    except ValueError:
        raise Invalid(element, f"{element} must be a date (YYYY-MM-DD), not '{text}'.") from None


def instant(value: Any, element: str) -> datetime | None:
    """Return an aware datetime from a dateTime with an offset (a bare date is taken as midnight UTC)."""
    text = string(value, element)
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(element, f"{element} must be a dateTime, not '{text}'.") from None
    if when.tzinfo is None:
        if len(text) > 10:
            raise Invalid(element, f"{element} must carry a time zone offset.")
        when = when.replace(tzinfo=UTC)
    return when


def last_updated(moment: datetime) -> str:
    """Return `meta.lastUpdated` for a modification time: UTC, milliseconds (as Appointment's)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def extensions(body: Json, element: str) -> dict[str, Json]:
    """Return the resource's extensions by url (the first of each). Raises Invalid for a malformed one."""
    found: dict[str, Json] = {}
    for i, ext in enumerate(array(body.get("extension"), f"{element}.extension")):
        where = f"{element}.extension[{i}]"
        ext = obj(ext, where, required=True)
        assert ext is not None  # noqa: S101 - required above
        url = string(ext.get("url"), f"{where}.url", required=True)
        found.setdefault(url, ext)
    return found


@dataclass(frozen=True)
class IdentifierIn:
    system: str
    value: str
    use: str = ""
    type_code: str = ""


def identifiers(body: Json, element: str) -> list[IdentifierIn]:
    """Return the identifiers that have both a system and a value, each once. Raises Invalid."""
    found: dict[tuple[str, str], IdentifierIn] = {}
    for i, entry in enumerate(array(body.get("identifier"), f"{element}.identifier")):
        where = f"{element}.identifier[{i}]"
        entry = obj(entry, where, required=True)
        assert entry is not None  # noqa: S101
        system = string(entry.get("system"), f"{where}.system", max_length=255)
        value = string(entry.get("value"), f"{where}.value", required=True, max_length=255)
        if not system:
            continue  # an identifier without a system identifies nothing across systems
        kind = obj(entry.get("type"), f"{where}.type") or {}
        codings = array(kind.get("coding"), f"{where}.type.coding")
        type_code = ""
        if codings and isinstance(codings[0], dict) and isinstance(codings[0].get("code"), str):
            type_code = codings[0]["code"][:20]
        use = code(entry.get("use"), f"{where}.use", ("usual", "official", "temp", "secondary", "old"))
        found.setdefault((system, value), IdentifierIn(system=system, value=value, use=use, type_code=type_code))
    return list(found.values())


@dataclass(frozen=True)
class ContactPointIn:
    system: str  # the model's: phone, fax, email, pager, other
    value: str  # normalised (E.164, lower-case email)
    use: str | None  # None: not given (an existing point keeps its use)
    rank: int


def telecom(body: Json, element: str, *, warn: Warn | None = None) -> list[ContactPointIn]:
    """Return the telecom entries, normalised, each (system, value) once, in rank order.

    Raises Invalid for a bad entry (or, with `warn`, reports and drops it).
    """
    found: dict[tuple[str, str], ContactPointIn] = {}
    for i, entry in enumerate(array(body.get("telecom"), f"{element}.telecom")):
        where = f"{element}.telecom[{i}]"
        try:
            point = _contact_point(entry, where, default_rank=i + 1)
        except Invalid as exc:
            if warn is None:
                raise
            warn(exc)
            continue
        found.setdefault((point.system, point.value), point)
    return sorted(found.values(), key=lambda p: (p.system, p.rank))


def _contact_point(entry: Any, where: str, *, default_rank: int) -> ContactPointIn:
    entry = obj(entry, where, required=True)
    assert entry is not None  # noqa: S101
    system = code(entry.get("system"), f"{where}.system", TELECOM_SYSTEMS, required=True)
    if system in ("url", "sms"):
        raise Invalid(f"{where}.system", f"{where}.system '{system}' is not stored: use phone, fax, email or pager.")
    value = string(entry.get("value"), f"{where}.value", required=True, max_length=200)
    try:
        value = normalize_contact_value(system, value)
    except ValidationError as exc:
        raise Invalid(f"{where}.value", " ".join(exc.messages)) from None
    use = code(entry.get("use"), f"{where}.use", TELECOM_USES) or None
    rank = entry.get("rank", default_rank)
    if isinstance(rank, bool) or not isinstance(rank, int) or rank < 1:
        raise Invalid(f"{where}.rank", f"{where}.rank must be a whole number of at least 1.")
    return ContactPointIn(system=system, value=value, use=use, rank=rank)


@dataclass(frozen=True)
class AddressIn:
    fields: dict[str, Any] = field(default_factory=dict)  # PatientAddress field names

    def key(self) -> tuple[str, ...]:
        """What makes two addresses the same place (use, type and period may change)."""
        return tuple(str(self.fields.get(k, "")) for k in ("line1", "line2", "city", "state_code", "postal_code"))


COUNTRY_NAMES = {"USA": "US", "UNITED STATES": "US", "UNITED STATES OF AMERICA": "US"}


def address(entry: Any, where: str) -> AddressIn:
    """Return one Address as PatientAddress fields. Raises Invalid."""
    entry = obj(entry, where, required=True)
    assert entry is not None  # noqa: S101
    use = code(entry.get("use"), f"{where}.use", ADDRESS_USES) or "home"
    if use == "billing":
        raise Invalid(f"{where}.use", f"{where}.use 'billing' is not stored: use home, work, temp or old.")
    lines = [
        string(line, f"{where}.line[{n}]", max_length=200)
        for n, line in enumerate(array(entry.get("line"), f"{where}.line"))
    ]
    if len(lines) > 2:
        lines = [lines[0], ", ".join(lines[1:])]
        if len(lines[1]) > 200:
            raise Invalid(f"{where}.line", f"{where}.line has more text than two lines hold.")
    state = string(entry.get("state"), f"{where}.state").upper()
    if state and len(state) != 2:
        raise Invalid(f"{where}.state", f"{where}.state must be a two-letter state code, not '{state}'.")
    country = string(entry.get("country"), f"{where}.country").upper() or "US"
    country = COUNTRY_NAMES.get(country, country)
    if len(country) != 2:
        raise Invalid(f"{where}.country", f"{where}.country must be a two-letter ISO 3166 code, not '{country}'.")
    fields: dict[str, Any] = {
        "use": use,
        "type": code(entry.get("type"), f"{where}.type", ADDRESS_TYPES) or "both",
        "line1": lines[0] if lines else "",
        "line2": lines[1] if len(lines) > 1 else "",
        "city": string(entry.get("city"), f"{where}.city", max_length=100),
        "district": string(entry.get("district"), f"{where}.district", max_length=100),
        "state_code": state,
        "postal_code": string(entry.get("postalCode"), f"{where}.postalCode", max_length=10),
        "country": country,
    }
    if not (fields["line1"] or fields["city"] or fields["postal_code"]):
        raise Invalid(where, f"{where} needs a line, a city or a postalCode.")
    period = obj(entry.get("period"), f"{where}.period") or {}
    fields["start"] = day(period.get("start"), f"{where}.period.start")
    fields["end"] = day(period.get("end"), f"{where}.period.end")
    if fields["start"] and fields["end"] and fields["end"] < fields["start"]:
        raise Invalid(f"{where}.period", f"{where}.period ends before it starts.")
    fields["latitude"], fields["longitude"] = _geolocation(entry, where)
    return AddressIn(fields=fields)


def _geolocation(entry: Json, where: str) -> tuple[float | None, float | None]:
    geo = extensions(entry, where).get(GEOLOCATION)
    if geo is None:
        return None, None
    parts = {
        e.get("url"): e.get("valueDecimal")
        for e in array(geo.get("extension"), f"{where}.extension")
        if isinstance(e, dict)
    }
    lat, lon = parts.get("latitude"), parts.get("longitude")
    if (
        not isinstance(lat, int | float)
        or not isinstance(lon, int | float)
        or not (-90 <= lat <= 90 and -180 <= lon <= 180)
    ):
        raise Invalid(f"{where}.extension", f"{where} has a geolocation without a valid latitude and longitude.")
    return float(lat), float(lon)


def addresses(body: Json, element: str, *, warn: Warn | None = None) -> list[AddressIn]:
    """Return the addresses, each place once. Raises Invalid (or, with `warn`, reports and drops)."""
    found: dict[tuple[str, ...], AddressIn] = {}
    entries = body.get("address")
    if isinstance(entries, dict):  # Location.address is a single Address
        entries = [entries]
    for i, entry in enumerate(array(entries, f"{element}.address")):
        try:
            parsed = address(entry, f"{element}.address[{i}]")
        except Invalid as exc:
            if warn is None:
                raise
            warn(exc)
            continue
        found.setdefault(parsed.key(), parsed)
    return list(found.values())


def address_json(address: Any) -> Json:
    """Return a stored address (PatientAddress, StaffAddress) as an R4 Address."""
    entry: Json = {}
    if address.latitude is not None and address.longitude is not None:
        entry["extension"] = [
            {
                "url": GEOLOCATION,
                "extension": [
                    {"url": "latitude", "valueDecimal": address.latitude},
                    {"url": "longitude", "valueDecimal": address.longitude},
                ],
            }
        ]
    entry["use"] = address.use
    entry["type"] = address.type
    lines = [line for line in (address.line1, address.line2) if line]
    if lines:
        entry["line"] = lines
    for key, value in (
        ("city", address.city),
        ("district", address.district),
        ("state", address.state_code),
        ("postalCode", address.postal_code),
        ("country", address.country),
    ):
        if value:
            entry[key] = value
    period = {k: v.isoformat() for k, v in (("start", address.start), ("end", address.end)) if v is not None}
    if period:
        entry["period"] = period
    return entry


def _address_key(address: Any) -> tuple[str, ...]:
    return (address.line1, address.line2, address.city, address.state_code, address.postal_code)


def sync_addresses(
    active: list[Any],
    wanted: list[AddressIn],
    *,
    add: Callable[[dict[str, Any]], Any],
    change: Callable[[Any, list[str]], Any],
    delete: Callable[[Any], Any],
) -> bool:
    """Make the stored `active` addresses what `wanted` says, through the callbacks (each a clinic
    service): a matching place (same lines, city, state, postal code) is kept and changed where it
    differs, a new one added, the rest deleted. Return whether anything was written."""
    existing = {_address_key(a): a for a in reversed(active)}
    changed = False
    for address in wanted:
        current = existing.pop(address.key(), None)
        if current is None:
            add(address.fields)
        else:
            diff = {k: v for k, v in address.fields.items() if getattr(current, k) != v}
            if not diff:
                continue
            for name, value in diff.items():
                setattr(current, name, value)
            change(current, sorted(diff))
        changed = True
    for stale in existing.values():
        delete(stale)
        changed = True
    return changed


def reference_id(value: Any, element: str, resource_type: str) -> str:
    """Return the id in a `<Type>/<id>` reference (a bare id is accepted). Raises Invalid."""
    ref = obj(value, element, required=True)
    assert ref is not None  # noqa: S101
    text = string(ref.get("reference"), f"{element}.reference", required=True)
    kind, sep, key = text.rpartition("/")
    if (sep and kind != resource_type) or not key:
        raise Invalid(f"{element}.reference", f"{element} must reference a {resource_type}, not '{text}'.")
    return key
