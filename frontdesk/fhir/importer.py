"""The core of `frontdesk import-fhir DIR`: load FHIR R4 NDJSON (a Bulk Data export, Synthea's
output) into the clinic. A module of its own because it is a batch loader, not a served type: the
management command only parses its options and prints; this module reads, orders, resolves and
writes. Patients and practitioners go through the same `parse` and `save` as the API's writes
(`resources/patient.py`, `resources/practitioner.py`); everything is written through the clinic
services with `Actor.system("import-fhir")`.

What each type becomes:

- Organization: nothing is stored; its name names a Location that has none.
- Location → PracticeLocation (time zone: the installation's, for a new one).
- Practitioner → Staff; PractitionerRole adds its locations to the staff member's practice
  locations (and sets the primary one when there is none).
- Patient → Patient with contact points, addresses and external identifiers. Telecom or address
  entries the clinic cannot store (e.g. Synthea's 555 numbers) are reported and dropped; the rest
  of the patient is imported. Social security numbers are not stored.
- Condition → Condition; AllergyIntolerance → AllergyIntolerance; MedicationRequest → one
  Medication per patient and drug (the requests for the same drug are one line of the medication
  list: started at the first request, status and prescriber of the latest). Chart items are
  committed by the `--committer` user, since only committed items are shown. Items entered in
  error are skipped.

Idempotency: every imported record keeps the source's identifiers (system + value) and the
source's resource id (system `urn:frontdesk:import-fhir:<source>`) in its `*ExternalIdentifier`
table, unique per (system, value). A second run finds the records by them and writes only what
changed, so an unchanged file writes, audits and announces nothing.

Events: writes emit what the services emit for any other write (PATIENT_CREATED, contact point,
address and identifier events, STAFF_*), only for real changes; chart items emit none (as for
every chart write). A first import of N patients announces them once, which is what plugins
subscribe to; re-runs announce nothing.

References: `Type/id`, `urn:uuid:id`, absolute URLs ending in `Type/id`, conditional references
(`Practitioner?identifier=system|value`) and logical ones (`{"identifier": {...}}`) are resolved
against what this run and earlier runs imported. Types load in dependency order whatever the
file names; each file is read whole (the whole directory is held in memory while it is imported).
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction

from frontdesk.accounts.models import CanvasUser
from frontdesk.audit.services import Actor
from frontdesk.clinic import services
from frontdesk.clinic.models import (
    AllergyIntolerance,
    AllergyIntoleranceExternalIdentifier,
    Condition,
    ConditionExternalIdentifier,
    Medication,
    MedicationExternalIdentifier,
    Patient,
    PatientExternalIdentifier,
    PracticeLocation,
    PracticeLocationExternalIdentifier,
    Staff,
    StaffExternalIdentifier,
)
from frontdesk.fhir.resources import Invalid, Json, elements, patient, practitioner
from frontdesk.fhir.resources.elements import IdentifierIn

log = logging.getLogger(__name__)

ACTOR = Actor.system("import-fhir")
#: Dependency order: a type is loaded after the types it references.
ORDER = (
    "Organization",
    "Location",
    "Practitioner",
    "PractitionerRole",
    "Patient",
    "Condition",
    "MedicationRequest",
    "AllergyIntolerance",
)
CHART_TYPES = ("Condition", "MedicationRequest", "AllergyIntolerance")
NOT_STORED_SYSTEMS = frozenset({"http://hl7.org/fhir/sid/us-ssn"})
CHUNK = 200  # lines per transaction (each line also has its own savepoint)

Key = tuple[str, str]  # an identifier: (system, value)


@dataclass(frozen=True)
class Line:
    """One resource of the input and where it came from."""

    file: str
    number: int
    resource: Json

    @property
    def type(self) -> str:
        return str(self.resource.get("resourceType"))

    @property
    def ref(self) -> str:
        return f"{self.type}/{self.resource.get('id') or '?'}"


@dataclass(frozen=True)
class Problem:
    """A line that was not imported (`dropped` False) or an element of it that was dropped."""

    file: str
    line: int
    ref: str
    element: str
    message: str
    dropped: bool = False

    def __str__(self) -> str:
        message = self.message
        if self.element and message.startswith(self.element):
            message = message.removeprefix(self.element).lstrip(": ")
        text = f"{self.file}:{self.line}: {self.ref}: {self.element or '-'}: {message}"
        return f"{text} (dropped; the rest was imported)" if self.dropped else text


@dataclass
class Tally:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class Result:
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    problems: list[Problem] = field(default_factory=list)
    unsupported: Counter[str] = field(default_factory=Counter)
    files: int = 0
    lines: int = 0
    medication_requests: int = 0
    seconds: float = 0.0
    dry_run: bool = False

    @property
    def readable(self) -> int:
        """How many lines were FHIR resources (whatever became of them)."""
        return sum(t.read for t in self.tallies.values()) + sum(self.unsupported.values())

    @property
    def failed(self) -> int:
        return sum(1 for p in self.problems if not p.dropped)

    def summary(self) -> str:
        parts = []
        for name in ORDER:
            tally = self.tallies.get(name)
            if tally is None or not tally.read:
                continue
            if name == "Organization":
                parts.append(f"{tally.read} Organization (names only, not stored)")
                continue
            counts = ", ".join(
                f"{getattr(tally, k)} {k}"
                for k in ("created", "updated", "unchanged", "skipped", "failed")
                if getattr(tally, k)
            )
            if name == "MedicationRequest":
                parts.append(f"{self.medication_requests} MedicationRequest as {tally.read} medications ({counts})")
            else:
                parts.append(f"{tally.read} {name} ({counts})")
        if self.unsupported:
            parts.append("not imported: " + ", ".join(f"{n} {t}" for t, n in sorted(self.unsupported.items())))
        dropped = len(self.problems) - self.failed
        verb = "checked (dry run, nothing written)" if self.dry_run else "imported"
        return (
            f"import-fhir: {self.lines} lines in {self.files} files {verb} in {self.seconds:.1f}s: "
            + "; ".join(parts or ["nothing"])
            + f"; lines not imported: {self.failed}, elements dropped: {dropped}"
        )


def read_directory(directory: Path, result: Result) -> dict[str, list[Line]]:
    """Return the resources of every `*.ndjson` file in `directory`, by type; unreadable lines
    (not JSON, not a resource) are recorded in `result` as problems."""
    found: dict[str, list[Line]] = defaultdict(list)
    for path in sorted(directory.glob("*.ndjson")):
        result.files += 1
        with path.open(encoding="utf-8", errors="replace") as lines:
            for number, text in enumerate(lines, start=1):
                if not text.strip():
                    continue
                result.lines += 1
                try:
                    resource = json.loads(text)
                except json.JSONDecodeError as exc:
                    result.problems.append(Problem(path.name, number, "?", "", f"not valid JSON ({exc.msg})"))
                    continue
                if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
                    result.problems.append(Problem(path.name, number, "?", "resourceType", "not a FHIR resource"))
                    continue
                line = Line(path.name, number, resource)
                if line.type in ORDER:
                    found[line.type].append(line)
                else:
                    result.unsupported[line.type] += 1
    return found


# --- references and identity ---------------------------------------------------------------------

# Per type: the model, its identifier table, the table's owner field, identifiers kept in a column.
KINDS: dict[str, tuple[type[models.Model], type[models.Model], str, dict[str, str]]] = {
    "Patient": (Patient, PatientExternalIdentifier, "patient_id", {patient.MRN_SYSTEM: "mrn"}),
    "Practitioner": (Staff, StaffExternalIdentifier, "staff_id", {practitioner.NPI_SYSTEM: "npi_number"}),
    "Location": (PracticeLocation, PracticeLocationExternalIdentifier, "location_id", {}),
    "Condition": (Condition, ConditionExternalIdentifier, "condition_id", {}),
    "MedicationRequest": (Medication, MedicationExternalIdentifier, "medication_id", {}),
    "AllergyIntolerance": (AllergyIntolerance, AllergyIntoleranceExternalIdentifier, "allergy_intolerance_id", {}),
}


class Index:
    """Which record each identifier (system, value) names, per type: looked up in batches and
    remembered, so resolving references costs one query per type and chunk, not one per line."""

    def __init__(self, source_system: str) -> None:
        self.source_system = source_system
        self.known: dict[str, dict[Key, int]] = defaultdict(dict)
        self.asked: dict[str, set[Key]] = defaultdict(set)

    def source_key(self, resource_id: str) -> Key:
        return (self.source_system, resource_id)

    def own_keys(self, resource: Json, element: str) -> list[Key]:
        """The keys a resource is known by: its identifiers and its id in the source."""
        keys = [(i.system, i.value) for i in elements.identifiers(resource, element)]
        resource_id = resource.get("id")
        if isinstance(resource_id, str) and resource_id:
            keys.append(self.source_key(resource_id))
        if not keys:
            raise Invalid(f"{element}.id", "an id or an identifier is needed to import idempotently.")
        return keys

    def reference_keys(self, ref: Any, element: str, kind: str) -> list[Key]:
        """The keys a reference names (see the module docstring for the forms). Raises Invalid."""
        value = elements.obj(ref, element, required=True)
        assert value is not None  # noqa: S101 - required above
        logical = value.get("identifier")
        if isinstance(logical, dict) and logical.get("system") and logical.get("value"):
            return [(str(logical["system"]), str(logical["value"]))]
        text = elements.string(value.get("reference"), f"{element}.reference", required=True)
        if text.startswith(f"{kind}?identifier="):
            system, sep, key = text.removeprefix(f"{kind}?identifier=").partition("|")
            if sep and system and key:
                return [(system, key)]
        elif text.startswith("urn:uuid:"):
            return [self.source_key(text.removeprefix("urn:uuid:"))]
        else:
            parts = text.split("/_history/")[0].rstrip("/").split("/")
            if len(parts) >= 2 and parts[-2] == kind and parts[-1]:
                return [self.source_key(parts[-1])]
        raise Invalid(f"{element}.reference", f"'{text}' is not a reference to a {kind} this import understands.")

    def prefetch(self, kind: str, keys: Iterable[Key]) -> None:
        """Look up the keys not asked about yet, in one query per table."""
        wanted = {k for k in keys if k not in self.asked[kind]}
        if not wanted:
            return
        self.asked[kind] |= wanted
        model, table, owner, columns = KINDS[kind]
        rows = table._default_manager.filter(value__in={v for _, v in wanted}).values_list("system", "value", owner)
        for system, value, pk in rows:
            if (system, value) in wanted:
                self.known[kind][(system, value)] = pk
        for system, column in columns.items():
            values = {v for s, v in wanted if s == system}
            if values:
                for value, pk in model._default_manager.filter(**{f"{column}__in": values}).values_list(column, "pk"):
                    self.known[kind][(system, value)] = pk

    def find(self, kind: str, keys: list[Key], element: str) -> int | None:
        """The pk of the one record the keys name, or None. Raises Invalid when they name several."""
        self.prefetch(kind, keys)
        found = {self.known[kind][k] for k in keys if k in self.known[kind]}
        if len(found) > 1:
            raise Invalid(element, f"the identifiers name {len(found)} different {kind} records already.")
        return found.pop() if found else None

    def resolve(self, kind: str, ref: Any, element: str) -> int:
        """The pk of the record a reference names. Raises Invalid when nothing imported has it."""
        keys = self.reference_keys(ref, element, kind)
        pk = self.find(kind, keys, element)
        if pk is None:
            shown = ref.get("reference") or f"{keys[0][0]}|{keys[0][1]}"
            raise Invalid(element, f"unknown reference '{shown}': no {kind} with it was imported.")
        return pk

    def remember(self, kind: str, keys: Iterable[Key], pk: int) -> None:
        for key in keys:
            self.known[kind][key] = pk


# --- the importer --------------------------------------------------------------------------------

Progress = Callable[[int, str], None]


class Importer:
    """Load the lines of `read_directory` in dependency order. Construct, then `run`."""

    def __init__(
        self,
        *,
        result: Result,
        source: str = "import",
        committer: CanvasUser | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.result = result
        self.index = Index(f"urn:frontdesk:import-fhir:{source}")
        self.committer = committer
        self.progress = progress
        self.done = 0
        self.organizations: dict[Key, str] = {}
        self.patients: dict[int, Patient] = {}
        self.staff: dict[int, Staff] = {}
        self.items: dict[int, Any] = {}  # chart items loaded ahead, by pk
        self._line: Line | None = None
        self._warnings: list[Problem] = []

    def run(self, found: dict[str, list[Line]], *, dry_run: bool = False) -> Result:
        """Import everything; with `dry_run`, validate and write inside a transaction rolled back."""
        started = time.monotonic()
        self.result.dry_run = dry_run
        if dry_run:
            with transaction.atomic():
                self._run(found)
                transaction.set_rollback(True)
        else:
            self._run(found)
        self.result.seconds = time.monotonic() - started
        return self.result

    def _run(self, found: dict[str, list[Line]]) -> None:
        for kind in ORDER:
            lines = found.get(kind, [])
            self.result.tallies[kind].read += len(lines)
            if kind == "MedicationRequest":
                self._medications(lines)
                continue
            handler = getattr(self, f"_{kind.lower()}")
            for start in range(0, len(lines), CHUNK):
                chunk = lines[start : start + CHUNK]
                with transaction.atomic():
                    self._prefetch(kind, chunk)
                    for line in chunk:
                        self._one(kind, line, partial(handler, line))

    def _one(self, kind: str, line: Line, work: Callable[[], str], lines: int = 1) -> None:
        """Run one line's work in its own savepoint: a failure is recorded and undone, and the
        other lines carry on."""
        dropped: list[Problem] = []
        self._warnings = dropped
        self._line = line
        try:
            with transaction.atomic():
                outcome = work()
        except Invalid as exc:
            self._fail(kind, line, exc.element, exc.message)
        except ValidationError as exc:
            self._fail(kind, line, "", " ".join(exc.messages))
        except DatabaseError as exc:
            self._fail(kind, line, "", f"the database refused it: {exc}")
        except Exception as exc:  # a bug on one line must not stop the others; it is logged in full
            log.exception("import-fhir: %s:%s: %s", line.file, line.number, line.ref)
            self._fail(kind, line, "", f"internal error ({type(exc).__name__}), see the log")
        else:
            self.result.tallies[kind].add(outcome)
            self.result.problems.extend(dropped)
        self.done += lines
        if self.progress is not None:
            self.progress(self.done, kind)

    def _fail(self, kind: str, line: Line, element: str, message: str) -> None:
        self.result.tallies[kind].failed += 1
        self.result.problems.append(Problem(line.file, line.number, line.ref, element, message))

    def _warn(self, exc: Invalid) -> None:
        line = self._line
        assert line is not None  # noqa: S101 - set by _one before any work runs
        self._warnings.append(Problem(line.file, line.number, line.ref, exc.element, exc.message, dropped=True))

    def _prefetch(self, kind: str, chunk: list[Line]) -> None:
        """Look up, in a few queries, the records the chunk's lines are and reference."""
        wanted: dict[str, set[Key]] = defaultdict(set)
        for line in chunk:
            body = line.resource
            try:
                if kind in KINDS:
                    wanted[kind].update(self.index.own_keys(body, kind))
                for element, target in _REFERENCES.get(kind, ()):
                    for ref in _refs(body.get(element)):
                        wanted[target].update(self.index.reference_keys(ref, element, target))
            except Invalid:
                continue  # reported when the line itself is imported
        for target, keys in wanted.items():
            self.index.prefetch(target, keys)
        if kind in CHART_TYPES:
            self._load_items(kind, wanted[kind])

    def _load_items(self, kind: str, keys: Iterable[Key]) -> None:
        """Load the chart items these keys name, with their codings, in two queries."""
        model = KINDS[kind][0]
        pks = {self.index.known[kind][k] for k in keys if k in self.index.known[kind]}
        if pks:
            self.items.update(model._default_manager.prefetch_related("codings").in_bulk(pks))

    def _keys(self, line: Line) -> list[Key]:
        try:
            return self.index.own_keys(line.resource, line.type)
        except Invalid:
            return []

    def _identity(self, kind: str, line: Line) -> tuple[list[Key], int | None]:
        keys = self.index.own_keys(line.resource, kind)
        return keys, self.index.find(kind, keys, f"{kind}.identifier")

    def _extra(self, line: Line) -> tuple[IdentifierIn, ...]:
        resource_id = line.resource.get("id")
        if isinstance(resource_id, str) and resource_id:
            return (IdentifierIn(self.index.source_system, resource_id),)
        return ()

    # --- Organization, Location, Practitioner, PractitionerRole ---

    def _organization(self, line: Line) -> str:
        name = line.resource.get("name")
        if isinstance(name, str) and name.strip():
            for key in self.index.own_keys(line.resource, "Organization"):
                self.organizations[key] = name.strip()
        return "unchanged"

    def _location(self, line: Line) -> str:
        body = line.resource
        if body.get("mode") == "kind":
            return "skipped"  # a kind of place (e.g. "Patient's Home"), not a location
        keys, pk = self._identity("Location", line)
        name = elements.string(body.get("name"), "Location.name", max_length=200)
        if not name and body.get("managingOrganization") is not None:
            org = self.index.reference_keys(
                body["managingOrganization"], "Location.managingOrganization", "Organization"
            )
            name = self.organizations.get(org[0], "")
        if not name:
            raise Invalid("Location.name", "Location.name is required (and no managing Organization names it).")
        fields: dict[str, Any] = {
            "full_name": name,
            "active": elements.code(body.get("status"), "Location.status", ("active", "suspended", "inactive"))
            != "inactive",
            "phone": "",
            "address_line1": "",
            "city": "",
            "state_code": "",
            "postal_code": "",
        }
        for point in elements.telecom(body, "Location", warn=self._warn):
            if point.system == "phone":
                fields["phone"] = point.value[-10:] if point.value.startswith("+1") else point.value[:20]
                break
        places = elements.addresses(body, "Location", warn=self._warn)
        if places:
            place = places[0].fields
            fields.update(
                address_line1=place["line1"],
                city=place["city"],
                state_code=place["state_code"],
                postal_code=place["postal_code"],
            )
        location, outcome = _upsert(
            PracticeLocation.objects.get(pk=pk) if pk is not None else None,
            fields,
            make=lambda: PracticeLocation(time_zone=settings.INSTALLATION_TIME_ZONE, **fields),
            save=lambda obj, changed: services.save_location(actor=ACTOR, location=obj, changed=changed),
        )
        if self._identifiers(location, line, "Location") and outcome == "unchanged":
            outcome = "updated"
        self.index.remember("Location", keys, location.pk)
        return outcome

    def _identifiers(self, owner: models.Model, line: Line, element: str) -> bool:
        identifiers = [
            (i.system, i.value, i.use, i.type_code)
            for i in (*elements.identifiers(line.resource, element), *self._extra(line))
            if i.system not in NOT_STORED_SYSTEMS
        ]
        return services.set_external_identifiers(actor=ACTOR, owner=owner, identifiers=identifiers)

    def _practitioner(self, line: Line) -> str:
        keys, pk = self._identity("Practitioner", line)
        data = practitioner.parse(line.resource, warn=self._warn)
        staff = Staff.objects.get(pk=pk) if pk is not None else None
        saved, changed = practitioner.save(data, actor=ACTOR, staff=staff, extra=self._extra(line))
        self.index.remember("Practitioner", keys, saved.pk)
        return "created" if staff is None else "updated" if changed else "unchanged"

    def _practitionerrole(self, line: Line) -> str:
        body = line.resource
        staff = Staff.objects.get(
            pk=self.index.resolve("Practitioner", body.get("practitioner"), "PractitionerRole.practitioner")
        )
        pks = [
            self.index.resolve("Location", ref, f"PractitionerRole.location[{i}]")
            for i, ref in enumerate(elements.array(body.get("location"), "PractitionerRole.location"))
        ]
        if not pks:
            return "unchanged"
        locations = list(PracticeLocation.objects.filter(pk__in=pks))
        current = list(staff.practice_locations.all())
        primary = None
        if staff.primary_practice_location_id is None:
            primary = next(loc for loc in locations if loc.pk == pks[0])
        known = {loc.pk for loc in current}
        changed = services.set_staff_practice_locations(
            actor=ACTOR,
            staff=staff,
            locations=[*current, *(loc for loc in locations if loc.pk not in known)],
            primary=primary,
        )
        return "updated" if changed else "unchanged"

    # --- Patient ---

    def _patient(self, line: Line) -> str:
        keys, pk = self._identity("Patient", line)
        data = patient.parse(line.resource, warn=self._warn)
        kept = [i for i in data.identifiers if i.system not in NOT_STORED_SYSTEMS]
        data = patient.PatientIn(
            fields=data.fields, mrn=data.mrn, telecom=data.telecom, addresses=data.addresses, identifiers=kept
        )
        existing = Patient.objects.get(pk=pk) if pk is not None else None
        saved, changed = patient.save(data, actor=ACTOR, patient=existing, extra=self._extra(line))
        self.index.remember("Patient", keys, saved.pk)
        return "created" if existing is None else "updated" if changed else "unchanged"

    # --- chart items ---

    def _patient_of(self, line: Line, element: str) -> Patient:
        pk = self.index.resolve("Patient", line.resource.get(element), f"{line.type}.{element}")
        if pk not in self.patients:
            self.patients[pk] = Patient.objects.get(pk=pk)
        return self.patients[pk]

    def _staff_of(self, line: Line, element: str) -> Staff:
        pk = self.index.resolve("Practitioner", line.resource.get(element), f"{line.type}.{element}")
        if pk not in self.staff:
            self.staff[pk] = Staff.objects.get(pk=pk)
        return self.staff[pk]

    def _chart_item(
        self,
        kind: str,
        line: Line,
        model: type[Any],
        fields: dict[str, Any],
        codings: list[services.Coding],
        keys: list[Key],
    ) -> str:
        pk = self.index.find(kind, keys, f"{line.type}.identifier")
        item = None
        if pk is not None:
            item = self.items.pop(pk, None) or model.objects.prefetch_related("codings").filter(pk=pk).first()
        item, outcome = _upsert(
            item,
            fields,
            make=lambda: model(committer=self.committer, **fields),
            save=lambda obj, changed: services.save_chart_item(actor=ACTOR, item=obj, changed=changed),
        )
        current = [(c.system, c.code, c.display) for c in sorted(item.codings.all(), key=lambda c: c.dbid)]
        if current != codings:
            services.set_codings(actor=ACTOR, item=item, codings=codings)
            outcome = "updated" if outcome == "unchanged" else outcome
        identifiers = [(s, v, "", "") for s, v in keys if s not in NOT_STORED_SYSTEMS]
        known = self.index.known[kind]
        if any(known.get((s, v)) != item.pk for s, v, _, _ in identifiers) and (
            services.set_external_identifiers(actor=ACTOR, owner=item, identifiers=identifiers)
            and outcome == "unchanged"
        ):
            outcome = "updated"
        self.index.remember(kind, keys, item.pk)
        return outcome

    def _verification(self, line: Line) -> str:
        concept = elements.obj(line.resource.get("verificationStatus"), f"{line.type}.verificationStatus") or {}
        return _code(concept, f"{line.type}.verificationStatus")

    def _condition(self, line: Line) -> str:
        body = line.resource
        if self._verification(line) == "entered-in-error":
            return "skipped"
        keys = self.index.own_keys(body, "Condition")
        status = _code(
            elements.obj(body.get("clinicalStatus"), "Condition.clinicalStatus") or {}, "Condition.clinicalStatus"
        )
        clinical: str | None = Condition.ClinicalStatus.INVESTIGATIVE
        if self._verification(line) not in ("provisional", "differential", "unconfirmed"):
            clinical = CONDITION_STATUS.get(status or "active")
            if clinical is None:
                raise Invalid(
                    "Condition.clinicalStatus",
                    f"clinical status '{status}' is not one of {', '.join(CONDITION_STATUS)}.",
                )
        onset = elements.day(body.get("onsetDateTime"), "Condition.onsetDateTime")
        resolved = elements.day(body.get("abatementDateTime"), "Condition.abatementDateTime")
        if onset and resolved and resolved < onset:
            raise Invalid("Condition.abatementDateTime", "the condition abates before its onset.")
        notes = " ".join(
            n.get("text", "") for n in elements.array(body.get("note"), "Condition.note") if isinstance(n, dict)
        )
        fields = {
            "patient": self._patient_of(line, "subject"),
            "clinical_status": clinical,
            "onset_date": onset,
            "resolution_date": resolved,
            "notes": notes.strip()[:500],
        }
        return self._chart_item(
            "Condition", line, Condition, fields, _codings(body.get("code"), "Condition.code"), keys
        )

    def _allergyintolerance(self, line: Line) -> str:
        body = line.resource
        if self._verification(line) == "entered-in-error":
            return "skipped"
        keys = self.index.own_keys(body, "AllergyIntolerance")
        status = _code(
            elements.obj(body.get("clinicalStatus"), "AllergyIntolerance.clinicalStatus") or {},
            "AllergyIntolerance.clinicalStatus",
        )
        reactions = [
            r for r in elements.array(body.get("reaction"), "AllergyIntolerance.reaction") if isinstance(r, dict)
        ]
        severities = [r["severity"] for r in reactions if r.get("severity") in AllergyIntolerance.Severity.values]
        manifestations = [
            m.get("text") or (m.get("coding") or [{}])[0].get("display", "")
            for r in reactions
            for m in elements.array(r.get("manifestation"), "AllergyIntolerance.reaction.manifestation")
            if isinstance(m, dict)
        ]
        fields = {
            "patient": self._patient_of(line, "patient"),
            "status": AllergyIntolerance.Status.ACTIVE
            if status in ("", "active")
            else AllergyIntolerance.Status.INACTIVE,
            "severity": severities[0] if severities else "",
            "narrative": "; ".join(m for m in manifestations if m)[:500],
            "onset_date": elements.day(body.get("onsetDateTime"), "AllergyIntolerance.onsetDateTime"),
            "recorded_date": elements.instant(body.get("recordedDate"), "AllergyIntolerance.recordedDate"),
        }
        codings = _codings(body.get("code"), "AllergyIntolerance.code")
        return self._chart_item("AllergyIntolerance", line, AllergyIntolerance, fields, codings, keys)

    def _medications(self, lines: list[Line]) -> None:
        """MedicationRequests → one Medication per patient and drug (see the module docstring)."""
        self.result.medication_requests = len(lines)
        groups: dict[tuple[int, str, str], list[tuple[Line, datetime | None, list[services.Coding]]]] = defaultdict(
            list
        )
        with transaction.atomic():
            for start in range(0, len(lines), CHUNK):
                self._prefetch("MedicationRequest", lines[start : start + CHUNK])
        for line in lines:
            body = line.resource
            try:
                if body.get("status") == "entered-in-error":
                    self.result.tallies["MedicationRequest"].skipped += 1
                    continue
                self.index.own_keys(body, "MedicationRequest")
                codings = _codings(body.get("medicationCodeableConcept"), "MedicationRequest.medicationCodeableConcept")
                subject = self._patient_of(line, "subject").pk
                authored = elements.instant(body.get("authoredOn"), "MedicationRequest.authoredOn")
                if body.get("requester") is not None:
                    self._staff_of(line, "requester")
            except Invalid as exc:
                self._fail("MedicationRequest", line, exc.element, exc.message)
                self.done += 1
                continue
            groups[(subject, codings[0][0], codings[0][1])].append((line, authored, codings))
        items = list(groups.values())
        # One medication per group: its tally counts medications, not requests.
        tally = self.result.tallies["MedicationRequest"]
        tally.read = len(items) + tally.failed + tally.skipped
        for start in range(0, len(items), CHUNK):
            with transaction.atomic():
                chunk = items[start : start + CHUNK]
                self._load_items("MedicationRequest", (k for g in chunk for line, _, _ in g for k in self._keys(line)))
                for group in chunk:
                    self._one("MedicationRequest", group[-1][0], partial(self._medication, group), lines=len(group))

    def _medication(self, group: list[tuple[Line, datetime | None, list[services.Coding]]]) -> str:
        dated = sorted((g for g in group if g[1] is not None), key=lambda g: g[1])  # type: ignore[arg-type,return-value]
        latest_line, _, codings = dated[-1] if dated else group[-1]
        body = latest_line.resource
        keys = [k for line, _, _ in group for k in self.index.own_keys(line.resource, "MedicationRequest")]
        prescriber = self._staff_of(latest_line, "requester") if body.get("requester") is not None else None
        dosage = [
            d
            for d in elements.array(body.get("dosageInstruction"), "MedicationRequest.dosageInstruction")
            if isinstance(d, dict)
        ]
        fields = {
            "patient": self._patient_of(latest_line, "subject"),
            "status": Medication.Status.ACTIVE if body.get("status") == "active" else Medication.Status.INACTIVE,
            "start_date": dated[0][1] if dated else None,
            "sig": str(dosage[0].get("text") or dosage[0].get("patientInstruction") or "") if dosage else "",
            "last_prescriber": prescriber,
        }
        return self._chart_item("MedicationRequest", latest_line, Medication, fields, codings, keys)


CONDITION_STATUS = {
    "active": Condition.ClinicalStatus.ACTIVE,
    "recurrence": Condition.ClinicalStatus.RELAPSE,
    "relapse": Condition.ClinicalStatus.RELAPSE,
    "remission": Condition.ClinicalStatus.REMISSION,
    "resolved": Condition.ClinicalStatus.RESOLVED,
    "inactive": Condition.ClinicalStatus.RESOLVED,
}

# The references each type's lines carry, prefetched per chunk: (element, referenced type).
_REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "PractitionerRole": (("practitioner", "Practitioner"), ("location", "Location")),
    "Condition": (("subject", "Patient"),),
    "MedicationRequest": (("subject", "Patient"), ("requester", "Practitioner")),
    "AllergyIntolerance": (("patient", "Patient"),),
}


M = TypeVar("M", bound=models.Model)


def _upsert(
    existing: M | None,
    fields: dict[str, Any],
    *,
    make: Callable[[], M],
    save: Callable[[M, list[str]], object],
) -> tuple[M, str]:
    """Create (`make`, then `save`) when nothing `existing`, else set and `save` the `fields` that
    differ; return the object and "created", "updated" or "unchanged"."""
    if existing is None:
        created = make()
        save(created, sorted(fields))
        return created, "created"
    diff = _diff(existing, fields)
    if not diff:
        return existing, "unchanged"
    for name, value in diff.items():
        setattr(existing, name, value)
    save(existing, sorted(diff))
    return existing, "updated"


def _diff(instance: models.Model, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields whose value differs from the instance's (relations compared by primary key)."""
    diff = {}
    for name, value in fields.items():
        model_field = instance._meta.get_field(name)
        if model_field.is_relation:
            current = getattr(instance, getattr(model_field, "attname", name))
            wanted = value.pk if value is not None else None
        else:
            current, wanted = getattr(instance, name), value
        if current != wanted:
            diff[name] = value
    return diff


def _refs(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _code(concept: Json, element: str) -> str:
    """The first coding's code of a CodeableConcept ("" when none)."""
    for coding in elements.array(concept.get("coding"), f"{element}.coding"):
        if isinstance(coding, dict) and isinstance(coding.get("code"), str):
            return str(coding["code"])
    return ""


def _codings(value: Any, element: str) -> list[services.Coding]:
    """A CodeableConcept's codings as (system, code, display). Raises Invalid when it has none usable."""
    concept = elements.obj(value, element, required=True)
    assert concept is not None  # noqa: S101 - required above
    text = concept.get("text") if isinstance(concept.get("text"), str) else ""
    found = []
    for coding in elements.array(concept.get("coding"), f"{element}.coding"):
        if not isinstance(coding, dict) or not coding.get("system") or not coding.get("code"):
            continue
        display = coding.get("display") or text or coding["code"]
        found.append((str(coding["system"])[:200], str(coding["code"])[:64], str(display)[:300]))
    if not found:
        raise Invalid(f"{element}.coding", f"{element} needs a coding with a system and a code.")
    return list(dict.fromkeys(found))
