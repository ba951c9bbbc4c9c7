"""Every write to clinic data: audited, atomic, and announced through the outbox.

Two shapes, one path: `save_*` functions take an instance with its changes applied (what the back
office's forms produce) and `create_*` / `add_*` build the instance from keyword arguments (what
the demo, FHIR and plugin effects use). Both end in the same `save_*`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction

from frontdesk.audit.services import Actor, record, record_each, save_recorded
from frontdesk.clinic.models import (
    AllergyIntolerance,
    AllergyIntoleranceExternalIdentifier,
    CareTeamMembership,
    Condition,
    ConditionExternalIdentifier,
    ContactPointState,
    ContactPointSystem,
    Medication,
    MedicationExternalIdentifier,
    Patient,
    PatientAddress,
    PatientContactPoint,
    PatientExternalIdentifier,
    PracticeLocation,
    PracticeLocationExternalIdentifier,
    Staff,
    StaffAddress,
    StaffContactPoint,
    StaffExternalIdentifier,
)
from frontdesk.events.services import record_event
from frontdesk.lib.phone import InvalidPhoneNumber, normalize_phone


def _changed_fields(instance: models.Model, changed: list[str] | None) -> list[str]:
    if changed is not None:
        return sorted(changed)
    return []


@transaction.atomic
def save_patient(*, actor: Actor, patient: Patient, changed: list[str] | None = None) -> Patient:
    """Validate and save a new or edited patient; emit PATIENT_CREATED or PATIENT_UPDATED.

    Raises ValidationError (field-keyed) and saves nothing when the data is invalid.
    """
    created = patient._state.adding
    save_recorded(
        actor=actor,
        obj=patient,
        action="patient",
        patient_key=patient.id,
        detail={"fields": _changed_fields(patient, changed)},
    )
    record_event(
        name="PATIENT_CREATED" if created else "PATIENT_UPDATED",
        target=patient,
        target_type="Patient",
        actor=actor,
    )
    return patient


def create_patient(*, actor: Actor, **fields: Any) -> Patient:
    """Create a patient from keyword fields (model field names). Raises ValidationError."""
    return save_patient(actor=actor, patient=Patient(**fields), changed=sorted(fields))


def update_patient(*, actor: Actor, patient: Patient, **changes: Any) -> Patient:
    """Apply `changes` (model field names) to `patient` and save. Raises ValidationError."""
    for name, value in changes.items():
        setattr(patient, name, value)
    return save_patient(actor=actor, patient=patient, changed=sorted(changes))


def normalize_contact_value(system: str, value: str) -> str:
    """Return the canonical form of a contact value (E.164 phones, lower-case emails).

    Raises ValidationError keyed on "value" with a message naming the problem.
    """
    text = (value or "").strip()
    if system in (ContactPointSystem.PHONE, ContactPointSystem.FAX, ContactPointSystem.PAGER):
        try:
            return normalize_phone(text, region=settings.PHONE_REGION)
        except InvalidPhoneNumber as exc:
            raise ValidationError({"value": str(exc)}) from None
    if system == ContactPointSystem.EMAIL:
        try:
            validate_email(text)
        except ValidationError:
            raise ValidationError({"value": f"“{text}” is not an email address."}) from None
        return text.lower()
    if not text:
        raise ValidationError({"value": "Enter a value."})
    return text


def _contact_point_context(contact_point: PatientContactPoint) -> dict[str, Any]:
    return {"patient": {"id": contact_point.patient.id}}


@transaction.atomic
def save_contact_point(
    *, actor: Actor, contact_point: PatientContactPoint, changed: list[str] | None = None
) -> PatientContactPoint:
    """Validate, normalise and save a contact point; emit PATIENT_CONTACT_POINT_CREATED/UPDATED.

    A changed value is a new address: its verification is cleared.
    Raises ValidationError and saves nothing when the data is invalid.
    """
    created = contact_point._state.adding
    contact_point.value = normalize_contact_value(contact_point.system, contact_point.value)
    if not created:
        before = PatientContactPoint.objects.select_for_update().get(pk=contact_point.pk)
        if (before.system, before.value) != (contact_point.system, contact_point.value):
            contact_point.last_verified = None
            contact_point.verification_token = ""
            contact_point.verification_sent_at = None
            contact_point.verification_attempts = 0
    save_recorded(
        actor=actor,
        obj=contact_point,
        action="contact_point",
        patient_key=contact_point.patient.id,
        detail={"system": contact_point.system, "fields": _changed_fields(contact_point, changed)},
    )
    record_event(
        name="PATIENT_CONTACT_POINT_CREATED" if created else "PATIENT_CONTACT_POINT_UPDATED",
        target=contact_point,
        target_type="PatientContactPoint",
        context=_contact_point_context(contact_point),
        actor=actor,
    )
    return contact_point


def add_contact_point(*, actor: Actor, patient: Patient, system: str, value: str, **fields: Any) -> PatientContactPoint:
    """Add a contact point to `patient`. Raises ValidationError."""
    contact_point = PatientContactPoint(patient=patient, system=system, value=value, **fields)
    return save_contact_point(actor=actor, contact_point=contact_point, changed=["system", "value", *fields])


def update_contact_point(*, actor: Actor, contact_point: PatientContactPoint, **changes: Any) -> PatientContactPoint:
    for name, value in changes.items():
        setattr(contact_point, name, value)
    return save_contact_point(actor=actor, contact_point=contact_point, changed=sorted(changes))


@transaction.atomic
def delete_contact_point(*, actor: Actor, contact_point: PatientContactPoint) -> PatientContactPoint:
    """Mark a contact point deleted (it is kept for the record); emit PATIENT_CONTACT_POINT_DELETED."""
    contact_point.state = ContactPointState.DELETED
    contact_point.save(update_fields=["state", "modified"])
    record(
        actor=actor,
        action="contact_point.deleted",
        patient_key=contact_point.patient.id,
        target=contact_point,
    )
    record_event(
        name="PATIENT_CONTACT_POINT_DELETED",
        target=contact_point,
        target_type="PatientContactPoint",
        context=_contact_point_context(contact_point),
        actor=actor,
    )
    return contact_point


@transaction.atomic
def mark_contact_point_verified(*, actor: Actor, contact_point: PatientContactPoint, when: Any) -> PatientContactPoint:
    """Set `last_verified` and clear the pending code; emit PATIENT_CONTACT_POINT_UPDATED."""
    contact_point.last_verified = when
    contact_point.verification_token = ""
    contact_point.verification_attempts = 0
    contact_point.save(update_fields=["last_verified", "verification_token", "verification_attempts", "modified"])
    record(
        actor=actor,
        action="contact_point.verified",
        patient_key=contact_point.patient.id,
        target=contact_point,
    )
    record_event(
        name="PATIENT_CONTACT_POINT_UPDATED",
        target=contact_point,
        target_type="PatientContactPoint",
        context=_contact_point_context(contact_point),
        actor=actor,
    )
    return contact_point


@transaction.atomic
def save_staff(*, actor: Actor, staff: Staff, changed: list[str] | None = None) -> Staff:
    """Save a staff member; emit STAFF_CREATED, STAFF_UPDATED and STAFF_(DE)ACTIVATED."""
    created = staff._state.adding
    was_active = None if created else Staff.objects.filter(pk=staff.pk).values_list("active", flat=True).first()
    save_recorded(actor=actor, obj=staff, action="staff", detail={"fields": _changed_fields(staff, changed)})
    record_event(
        name="STAFF_CREATED" if created else "STAFF_UPDATED",
        target=staff,
        target_type="Staff",
        actor=actor,
    )
    if was_active is not None and was_active != staff.active:
        record_event(
            name="STAFF_ACTIVATED" if staff.active else "STAFF_DEACTIVATED",
            target=staff,
            target_type="Staff",
            actor=actor,
        )
    return staff


@transaction.atomic
def save_location(*, actor: Actor, location: PracticeLocation, changed: list[str] | None = None) -> PracticeLocation:
    return save_recorded(
        actor=actor, obj=location, action="location", detail={"fields": _changed_fields(location, changed)}
    )


@transaction.atomic
def save_care_team_membership(
    *, actor: Actor, membership: CareTeamMembership, changed: list[str] | None = None
) -> CareTeamMembership:
    """Save a care team membership; emit CARE_TEAM_MEMBERSHIP_CREATED/UPDATED."""
    created = membership._state.adding
    save_recorded(
        actor=actor,
        obj=membership,
        action="care_team",
        patient_key=membership.patient.id,
        detail={"fields": _changed_fields(membership, changed)},
    )
    record_event(
        name="CARE_TEAM_MEMBERSHIP_CREATED" if created else "CARE_TEAM_MEMBERSHIP_UPDATED",
        target=membership,
        target_type="CareTeamMembership",
        context={"patient": {"id": membership.patient.id}},
        actor=actor,
    )
    return membership


@transaction.atomic
def delete_care_team_membership(*, actor: Actor, membership: CareTeamMembership) -> None:
    patient_id = membership.patient.id
    record(actor=actor, action="care_team.deleted", patient_key=patient_id, target=membership)
    record_event(
        name="CARE_TEAM_MEMBERSHIP_DELETED",
        target=membership,
        target_type="CareTeamMembership",
        context={"patient": {"id": patient_id}},
        actor=actor,
    )
    membership.delete()


ChartItem = Condition | Medication | AllergyIntolerance


@transaction.atomic
def save_chart_item(*, actor: Actor, item: ChartItem, changed: list[str] | None = None) -> ChartItem:
    """Save a condition, medication or allergy. New items are committed by the actor's user."""
    created = item._state.adding
    if created and item.committer_id is None and actor.user is not None:
        item.committer = actor.user
    save_recorded(
        actor=actor,
        obj=item,
        action=type(item).__name__.lower(),
        patient_key=item.patient.id,
        detail={"fields": _changed_fields(item, changed)},
    )
    return item


@transaction.atomic
def enter_chart_item_in_error(*, actor: Actor, item: ChartItem) -> ChartItem:
    """Mark a chart item entered-in-error (kept, hidden from summaries) instead of deleting it."""
    item.entered_in_error = actor.user
    item.deleted = True
    item.save(update_fields=["entered_in_error", "deleted", "modified"])
    record(
        actor=actor,
        action=f"{type(item).__name__.lower()}.entered_in_error",
        patient_key=item.patient.id,
        target=item,
    )
    return item


def record_chart_view(*, actor: Actor, patient: Patient, what: str) -> None:
    """Audit that `actor` looked at `what` of `patient`'s chart (e.g. "summary", "profile")."""
    record(
        actor=actor,
        action="chart.viewed",
        patient_key=patient.id,
        target=patient,
        detail={"what": what},
    )


def record_chart_views(*, actor: Actor, patient_keys: Iterable[str], what: str) -> int:
    """Audit, in one statement, that `actor` looked at `what` of each patient's chart (keys as
    returned by a search, each recorded once); return how many entries were written."""
    keys = list(dict.fromkeys(patient_keys))
    return record_each(
        actor=actor, action="chart.viewed", targets=[(key, "Patient", key) for key in keys], detail={"what": what}
    )


Coding = tuple[str, str, str]  # (system, code, display)


@transaction.atomic
def set_codings(*, actor: Actor, item: ChartItem, codings: list[Coding]) -> None:
    """Replace a condition's, medication's or allergy's codings; audited when they change.

    Raises ValidationError when a coding lacks a system, code or display.
    """
    wanted = list(dict.fromkeys((s.strip(), c.strip(), d.strip()) for s, c, d in codings))
    for system, code, display in wanted:
        if not (system and code and display):
            raise ValidationError({"codings": "Every coding needs a system, a code and a display name."})
    current = [(c.system, c.code, c.display) for c in item.codings.all()]
    if current == wanted:
        return
    item.codings.all().delete()
    for system, code, display in wanted:
        item.codings.create(system=system, code=code, display=display)
    record(
        actor=actor,
        action=f"{type(item).__name__.lower()}.codings_changed",
        patient_key=item.patient.id,
        target=item,
        detail={"codes": [code for _, code, _ in wanted]},
    )


Role = tuple[str, str, str]  # (role_type, code, name)


@transaction.atomic
def set_staff_roles(*, actor: Actor, staff: Staff, roles: list[Role]) -> None:
    """Replace a staff member's roles; audited and announced (STAFF_UPDATED) when they change."""
    wanted = list(dict.fromkeys(roles))
    current = [(r.role_type, r.code, r.name) for r in staff.roles.all()]
    if current == wanted:
        return
    staff.roles.all().delete()
    for role_type, code, name in wanted:
        staff.roles.create(role_type=role_type, code=code, name=name)
    record(actor=actor, action="staff.roles_changed", target=staff, detail={"roles": [code for _, code, _ in wanted]})
    record_event(name="STAFF_UPDATED", target=staff, target_type="Staff", actor=actor)


def _address_context(address: PatientAddress) -> dict[str, Any]:
    return {"patient": {"id": address.patient.id}}


@transaction.atomic
def save_patient_address(*, actor: Actor, address: PatientAddress, changed: list[str] | None = None) -> PatientAddress:
    """Validate and save a patient's address; emit PATIENT_ADDRESS_CREATED or PATIENT_ADDRESS_UPDATED.

    Raises ValidationError (field-keyed) and saves nothing when the data is invalid.
    """
    created = address._state.adding
    save_recorded(
        actor=actor,
        obj=address,
        action="address",
        patient_key=address.patient.id,
        detail={"fields": _changed_fields(address, changed)},
    )
    record_event(
        name="PATIENT_ADDRESS_CREATED" if created else "PATIENT_ADDRESS_UPDATED",
        target=address,
        target_type="PatientAddress",
        context=_address_context(address),
        actor=actor,
    )
    return address


@transaction.atomic
def delete_patient_address(*, actor: Actor, address: PatientAddress) -> PatientAddress:
    """Mark an address deleted (it is kept for the record); emit PATIENT_ADDRESS_DELETED."""
    address.state = ContactPointState.DELETED
    address.save(update_fields=["state", "modified"])
    record(actor=actor, action="address.deleted", patient_key=address.patient.id, target=address)
    record_event(
        name="PATIENT_ADDRESS_DELETED",
        target=address,
        target_type="PatientAddress",
        context=_address_context(address),
        actor=actor,
    )
    return address


AnyExternalIdentifier = (
    PatientExternalIdentifier
    | StaffExternalIdentifier
    | PracticeLocationExternalIdentifier
    | ConditionExternalIdentifier
    | MedicationExternalIdentifier
    | AllergyIntoleranceExternalIdentifier
)


def _identifier_owner(identifier: AnyExternalIdentifier) -> tuple[models.Model, str]:
    """Return the record an identifier belongs to and the patient key to audit under ("" for none)."""
    if isinstance(identifier, PatientExternalIdentifier):
        return identifier.patient, identifier.patient.id
    if isinstance(identifier, StaffExternalIdentifier):
        return identifier.staff, ""
    if isinstance(identifier, PracticeLocationExternalIdentifier):
        return identifier.location, ""
    if isinstance(identifier, ConditionExternalIdentifier):
        return identifier.condition, identifier.condition.patient.id
    if isinstance(identifier, MedicationExternalIdentifier):
        return identifier.medication, identifier.medication.patient.id
    return identifier.allergy_intolerance, identifier.allergy_intolerance.patient.id


@transaction.atomic
def save_external_identifier(
    *, actor: Actor, identifier: AnyExternalIdentifier, changed: list[str] | None = None
) -> AnyExternalIdentifier:
    """Validate and save an identifier another system gave a record; audited.

    Patient and staff identifiers emit PATIENT_/STAFF_EXTERNAL_IDENTIFIER_CREATED or _UPDATED (Canvas's
    events); the others have no Canvas event. Raises ValidationError when (system, value) is taken.
    """
    created = identifier._state.adding
    owner, patient_key = _identifier_owner(identifier)
    save_recorded(
        actor=actor,
        obj=identifier,
        action="external_identifier",
        patient_key=patient_key,
        detail={
            "system": identifier.system,
            "owner": type(owner).__name__,
            "fields": _changed_fields(identifier, changed),
        },
    )
    kind = {PatientExternalIdentifier: "PATIENT", StaffExternalIdentifier: "STAFF"}.get(type(identifier))
    if kind is not None:
        record_event(
            name=f"{kind}_EXTERNAL_IDENTIFIER_{'CREATED' if created else 'UPDATED'}",
            target=identifier,
            target_type=type(identifier).__name__,
            context={kind.lower(): {"id": getattr(owner, "id", "")}},
            actor=actor,
        )
    return identifier


@transaction.atomic
def save_staff_contact_point(
    *, actor: Actor, contact_point: StaffContactPoint, changed: list[str] | None = None
) -> StaffContactPoint:
    """Validate, normalise (E.164 phones, lower-case emails) and save a staff contact point; audited.

    Raises ValidationError and saves nothing when the data is invalid.
    """
    contact_point.value = normalize_contact_value(contact_point.system, contact_point.value)
    return save_recorded(
        actor=actor,
        obj=contact_point,
        action="staff_contact_point",
        detail={"system": contact_point.system, "fields": _changed_fields(contact_point, changed)},
    )


@transaction.atomic
def delete_staff_contact_point(*, actor: Actor, contact_point: StaffContactPoint) -> StaffContactPoint:
    """Mark a staff contact point deleted (kept for the record); audited."""
    contact_point.state = ContactPointState.DELETED
    contact_point.save(update_fields=["state", "modified"])
    record(actor=actor, action="staff_contact_point.deleted", target=contact_point)
    return contact_point


@transaction.atomic
def save_staff_address(*, actor: Actor, address: StaffAddress, changed: list[str] | None = None) -> StaffAddress:
    """Validate and save a staff member's address; audited (Canvas has no event for it).

    Raises ValidationError and saves nothing when the data is invalid.
    """
    return save_recorded(
        actor=actor, obj=address, action="staff_address", detail={"fields": _changed_fields(address, changed)}
    )


@transaction.atomic
def delete_staff_address(*, actor: Actor, address: StaffAddress) -> StaffAddress:
    """Mark a staff address deleted (kept for the record); audited."""
    address.state = ContactPointState.DELETED
    address.save(update_fields=["state", "modified"])
    record(actor=actor, action="staff_address.deleted", target=address)
    return address


@transaction.atomic
def set_staff_practice_locations(
    *, actor: Actor, staff: Staff, locations: list[PracticeLocation], primary: PracticeLocation | None = None
) -> bool:
    """Replace where a staff member practises and, when `primary` is given, their primary location;
    audited and announced with one STAFF_UPDATED when anything changed. Return whether it did."""
    wanted = {location.pk for location in locations}
    current = set(staff.practice_locations.values_list("pk", flat=True))
    new_primary = primary is not None and staff.primary_practice_location_id != primary.pk
    if wanted == current and not new_primary:
        return False
    if wanted != current:
        staff.practice_locations.set(locations)
    if new_primary:
        staff.primary_practice_location = primary
        staff.save(update_fields=["primary_practice_location", "modified"])
    record(
        actor=actor,
        action="staff.locations_changed",
        target=staff,
        detail={
            "locations": sorted(str(location.id) for location in locations),
            "primary": str(staff.primary_practice_location.id) if staff.primary_practice_location else None,
        },
    )
    record_event(name="STAFF_UPDATED", target=staff, target_type="Staff", actor=actor)
    return True


_IDENTIFIER_MODELS: dict[type[models.Model], tuple[type[AnyExternalIdentifier], str]] = {
    Patient: (PatientExternalIdentifier, "patient"),
    Staff: (StaffExternalIdentifier, "staff"),
    PracticeLocation: (PracticeLocationExternalIdentifier, "location"),
    Condition: (ConditionExternalIdentifier, "condition"),
    Medication: (MedicationExternalIdentifier, "medication"),
    AllergyIntolerance: (AllergyIntoleranceExternalIdentifier, "allergy_intolerance"),
}

Identifier = tuple[str, str, str, str]  # (system, value, use, identifier_type)


@transaction.atomic
def set_external_identifiers(*, actor: Actor, owner: models.Model, identifiers: list[Identifier]) -> bool:
    """Give `owner` (a patient, staff member, location or chart item) the identifiers it lacks and
    update the use and type of those it has; identifiers not listed are kept. Return whether
    anything was written.

    New identifiers are written in one statement and audited in one entry (an import adds
    thousands); patient and staff ones still emit one PATIENT_/STAFF_EXTERNAL_IDENTIFIER_CREATED
    each. Raises ValidationError keyed on "identifier" (nothing written) when one of them already
    identifies another record or is not a valid identifier.
    """
    model, owner_field = _IDENTIFIER_MODELS[type(owner)]
    wanted = {(system, value): (use, kind) for system, value, use, kind in identifiers}
    if not wanted:
        return False
    values = {value for _, value in wanted}
    existing = {
        (i.system, i.value): i
        for i in model.objects.filter(value__in=values, system__in={system for system, _ in wanted})
    }
    new: list[AnyExternalIdentifier] = []
    changed = False
    for (system, value), (use, kind) in wanted.items():
        current = existing.get((system, value))
        if current is None:
            identifier = model(system=system, value=value, use=use, identifier_type=kind, **{owner_field: owner})
            try:
                identifier.clean_fields(exclude=[owner_field])  # uniqueness was checked above, in one query
            except ValidationError as exc:
                raise ValidationError({"identifier": f"{system}|{value}: {' '.join(exc.messages)}"}) from None
            new.append(identifier)
        elif getattr(current, f"{owner_field}_id") != owner.pk:
            raise ValidationError(
                {"identifier": f"{system}|{value} already identifies another {type(owner)._meta.verbose_name}."}
            )
        elif (current.use, current.identifier_type) != (use, kind):
            current.use, current.identifier_type = use, kind
            save_external_identifier(actor=actor, identifier=current, changed=["use", "identifier_type"])
            changed = True
    if new:
        model._default_manager.bulk_create(new)  # type: ignore[arg-type]
        _, patient_key = _identifier_owner(new[0])
        record(
            actor=actor,
            action="external_identifier.created",
            patient_key=patient_key,
            target=owner,
            detail={"identifiers": [f"{i.system}|{i.value}" for i in new]},
        )
        announced = {PatientExternalIdentifier: "PATIENT", StaffExternalIdentifier: "STAFF"}.get(model)
        for identifier in new if announced is not None else []:
            record_event(
                name=f"{announced}_EXTERNAL_IDENTIFIER_CREATED",
                target=identifier,
                target_type=model.__name__,
                context={str(announced).lower(): {"id": getattr(owner, "id", "")}},
                actor=actor,
            )
    return changed or bool(new)
