"""The scope rules (system/, patient/ and SMART's launch scopes), as tables: no database."""

from __future__ import annotations

import pytest

from frontdesk.fhir.scopes import (
    InvalidScope,
    Scope,
    all_covered,
    allows,
    describe,
    format_scopes,
    has,
    in_context,
    launch_scopes,
    parse_scopes,
)


@pytest.mark.parametrize(
    ("granted", "resource_type", "interaction", "allowed"),
    [
        ("system/*.*", "Practitioner", "read", True),
        ("system/*.*", "Appointment", "create", True),
        ("system/*.read", "Practitioner", "search-type", True),
        ("system/*.read", "Appointment", "update", False),
        ("system/Practitioner.read", "Practitioner", "read", True),
        ("system/Practitioner.read", "Location", "read", False),
        ("system/Appointment.*", "Appointment", "update", True),
        ("system/Appointment.write", "Appointment", "search-type", False),
        ("system/Location.read system/Schedule.read", "Schedule", "search-type", True),
        ("", "Schedule", "search-type", False),
    ],
)
def test_it_allows_an_interaction_only_when_a_scope_covers_it(
    granted: str, resource_type: str, interaction: str, allowed: bool
) -> None:
    assert allows(parse_scopes(granted), resource_type=resource_type, interaction=interaction) is allowed


@pytest.mark.parametrize(
    "bad",
    [
        "patient/Patient.see",
        "user/*.*",
        "system/Practitioner",
        "system/practitioner.read",
        "system/*.delete",
        "*",
        "launch",
        "launch/encounter",
        "patient/*.rs",
    ],
)
def test_it_refuses_malformed_scopes(bad: str) -> None:
    with pytest.raises(InvalidScope, match=bad.replace("*", r"\*").replace(".", r"\.")):
        parse_scopes(f"system/*.read {bad}")


def test_it_normalises_whitespace_and_drops_duplicates() -> None:
    assert format_scopes(parse_scopes("  system/Slot.read\tsystem/Slot.read  system/*.write ")) == (
        "system/Slot.read system/*.write"
    )


@pytest.mark.parametrize(
    ("requested", "allowed", "covered"),
    [
        ("system/Slot.read", "system/*.*", True),
        ("system/*.read", "system/*.read system/Appointment.write", True),
        ("system/*.*", "system/*.read", False),
        ("system/Appointment.*", "system/Appointment.read", False),
        ("", "system/Slot.read", True),
    ],
)
def test_it_knows_when_requested_scopes_are_within_the_allowed_ones(
    requested: str, allowed: str, covered: bool
) -> None:
    assert all_covered(parse_scopes(requested), parse_scopes(allowed)) is covered


def test_it_shows_scopes_in_their_smart_form() -> None:
    assert str(Scope("Practitioner", "read")) == "system/Practitioner.read"


@pytest.mark.parametrize(
    ("granted", "resource_type", "interaction", "context", "allowed"),
    [
        ("patient/*.*", "Patient", "read", "patient", True),
        ("patient/*.read", "Appointment", "create", "patient", False),
        ("patient/Appointment.write", "Appointment", "update", "patient", True),
        ("patient/Appointment.*", "Condition", "read", "patient", False),
        # A token's scopes count only in its own context.
        ("system/*.*", "Patient", "read", "patient", False),
        ("patient/*.*", "Patient", "read", "system", False),
        ("launch/patient offline_access", "Patient", "read", "patient", False),
    ],
)
def test_it_checks_patient_tokens_against_patient_scopes(
    granted: str, resource_type: str, interaction: str, context: str, allowed: bool
) -> None:
    assert (
        allows(parse_scopes(granted), resource_type=resource_type, interaction=interaction, context=context) is allowed
    )


@pytest.mark.parametrize(
    ("requested", "allowed", "covered"),
    [
        ("patient/Patient.read", "system/*.*", True),
        ("patient/Appointment.*", "system/Appointment.*", True),
        ("patient/Appointment.*", "system/Appointment.read", False),
        ("system/Patient.read", "patient/*.*", False),
        ("patient/*.read", "patient/*.*", True),
        ("patient/*.*", "patient/*.read", False),
        ("offline_access", "system/*.*", False),
        ("offline_access", "patient/*.read offline_access", True),
        ("launch/patient", "offline_access", False),
    ],
)
def test_it_covers_patient_and_launch_scopes(requested: str, allowed: str, covered: bool) -> None:
    assert all_covered(parse_scopes(requested), parse_scopes(allowed)) is covered


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("patient/Appointment.read", ["patient/Appointment.read"]),
        ("launch/patient  openid fhirUser offline_access", ["launch/patient", "openid", "fhirUser", "offline_access"]),
        ("patient/*.* system/Slot.read patient/*.*", ["patient/*.*", "system/Slot.read"]),
    ],
)
def test_it_parses_patient_and_launch_scopes(text: str, shown: list[str]) -> None:
    assert [str(s) for s in parse_scopes(text)] == shown


def test_it_separates_contexts_and_finds_launch_scopes() -> None:
    scopes = parse_scopes("system/Slot.read patient/Patient.read offline_access launch/patient")

    assert format_scopes(in_context(scopes, "system")) == "system/Slot.read"
    assert format_scopes(in_context(scopes, "patient")) == "patient/Patient.read"
    assert format_scopes(launch_scopes(scopes)) == "offline_access launch/patient"
    assert has(scopes, "offline_access") and not has(scopes, "openid")


def test_it_describes_scopes_to_the_patient_in_plain_words() -> None:
    assert describe(parse_scopes("patient/Appointment.* patient/Patient.read launch/patient offline_access")) == [
        "See and change your appointments",
        "See your profile (name, date of birth, contact details)",
        "Keep this access after you close the app, without asking you again",
    ]
