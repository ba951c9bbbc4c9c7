"""The scope rules, as a table: no database."""

from __future__ import annotations

import pytest

from frontdesk.fhir.scopes import InvalidScope, Scope, all_covered, allows, format_scopes, parse_scopes


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
    ["patient/Patient.read", "user/*.*", "system/Practitioner", "system/practitioner.read", "system/*.delete", "*"],
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
