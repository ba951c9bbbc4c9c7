"""Settings values read from the environment: typed, defaulted, and loud about typos."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from frontdesk.lib import env

NAME = "FRONTDESK_TEST_ONLY_VALUE"


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NAME, raising=False)
    monkeypatch.delenv(f"{NAME}_FILE", raising=False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, True),  # unset: the default
        ("1", True),
        ("true", True),
        (" YES ", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("off", False),
        ("", False),
    ],
)
def test_it_reads_booleans(monkeypatch: pytest.MonkeyPatch, raw: str | None, expected: bool) -> None:
    if raw is not None:
        monkeypatch.setenv(NAME, raw)
    assert env.envbool(NAME, True) is expected
    assert NAME in env.READ


@pytest.mark.parametrize("raw", ["maybe", "2", "tru"])
def test_it_refuses_a_boolean_typo_naming_the_variable(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfigured, match=f"{NAME} must be a boolean"):
        env.envbool(NAME, False)


@pytest.mark.parametrize(
    ("raw", "minimum", "expected"),
    [
        (None, None, 7),
        ("", None, 7),
        ("42", None, 42),
        (" 5 ", 5, 5),
        ("-3", None, -3),
    ],
)
def test_it_reads_integers(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, minimum: int | None, expected: int
) -> None:
    if raw is not None:
        monkeypatch.setenv(NAME, raw)
    assert env.envint(NAME, 7, minimum=minimum) == expected


@pytest.mark.parametrize(
    ("raw", "minimum", "message"),
    [
        ("ten", None, f"{NAME} must be an integer, not 'ten'"),
        ("1.5", None, f"{NAME} must be an integer, not '1.5'"),
        ("4", 5, f"{NAME} must be at least 5, not 4"),
    ],
)
def test_it_refuses_bad_integers(monkeypatch: pytest.MonkeyPatch, raw: str, minimum: int | None, message: str) -> None:
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfigured) as caught:
        env.envint(NAME, 7, minimum=minimum)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ["a", "b"]),
        ("", []),
        ("x", ["x"]),
        (" x , y ,, z ", ["x", "y", "z"]),
    ],
)
def test_it_reads_comma_separated_lists(monkeypatch: pytest.MonkeyPatch, raw: str | None, expected: list[str]) -> None:
    if raw is not None:
        monkeypatch.setenv(NAME, raw)
    assert env.envlist(NAME, ["a", "b"]) == expected


def test_it_reads_strings_with_a_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert env.envstr(NAME, "fallback") == "fallback"
    monkeypatch.setenv(NAME, "given")
    assert env.envstr(NAME, "fallback") == "given"


def test_it_reads_a_secret_directly_or_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert env.envsecret(NAME, None) is None
    monkeypatch.setenv(NAME, "direct-secret")
    assert env.envsecret(NAME, None) == "direct-secret"
    monkeypatch.delenv(NAME)
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret_file))
    assert env.envsecret(NAME, None) == "from-a-file"
    assert {NAME, f"{NAME}_FILE"} <= env.READ


def test_it_refuses_a_secret_set_both_ways(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(NAME, "direct")
    monkeypatch.setenv(f"{NAME}_FILE", str(tmp_path / "secret"))
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env.envsecret(NAME, None)


def test_it_names_an_unreadable_secret_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(f"{NAME}_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match=f"{NAME}_FILE: cannot read"):
        env.envsecret(NAME, None)
